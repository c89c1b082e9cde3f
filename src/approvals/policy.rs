//! Who may request a release or reject, and who may decide one, per platform.
//!
//! Everything fails closed:
//! - an empty approver set refuses every approval;
//! - an empty requester set refuses every request. Letting anyone in the channel request must
//!   be said explicitly with [`RoleSet::anyone`] (a request alone changes nothing in Mimecast,
//!   so this is a reasonable choice for a busy SOC channel, but never a default);
//! - `anyone` counts for requesters only: approvers are always named, and an approver set that
//!   says `anyone` and names nobody refuses every approval ([`ApprovalPolicy::warnings`] says so,
//!   for the config loader to report at start);
//! - the requester cannot approve their own request unless `allow_self_approval` is set;
//! - a decision must come from the platform the request was made on: ids on two platforms
//!   cannot be compared, so a cross-platform approval could be the requester themselves;
//! - the CLI has no policy here (it is the operator's own confirmation), so chat-style
//!   requests and approvals from [`Platform::Cli`] are refused.
//!
//! Ids and roles match exactly (case-sensitive); blank entries never match.

use serde::{Deserialize, Serialize};

use super::error::Refusal;
use super::model::{Actor, Platform};

/// A set of people: named user ids, holders of named roles, or (requesters only) anyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleSet {
    /// Everyone who can reach the bot on the platform. Honoured for requesters only.
    pub anyone: bool,
    /// Platform user ids (Discord user ids, Slack user ids, console user names).
    pub user_ids: Vec<String>,
    /// Role ids (Discord role ids, Slack user-group ids, console role names).
    pub roles: Vec<String>,
}

impl RoleSet {
    /// The users with these ids.
    pub fn users<I: IntoIterator<Item = S>, S: Into<String>>(ids: I) -> Self {
        Self {
            user_ids: ids.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// The holders of these roles.
    pub fn roles<I: IntoIterator<Item = S>, S: Into<String>>(roles: I) -> Self {
        Self {
            roles: roles.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Anyone (meaningful for requesters only).
    pub fn anyone() -> Self {
        Self {
            anyone: true,
            ..Self::default()
        }
    }

    /// True when it names no user and no role (whatever `anyone` says).
    pub fn names_nobody(&self) -> bool {
        !self
            .user_ids
            .iter()
            .chain(&self.roles)
            .any(|s| !s.trim().is_empty())
    }

    /// True when `actor` is named by user id or holds a named role (`anyone` not considered).
    pub fn names(&self, actor: &Actor) -> bool {
        let id = actor.user_id.as_str();
        (!id.trim().is_empty() && self.user_ids.iter().any(|u| u == id))
            || actor
                .roles
                .iter()
                .filter(|r| !r.trim().is_empty())
                .any(|r| self.roles.contains(r))
    }
}

/// One platform's rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApprovalPolicy {
    /// Who may request a release or reject.
    pub requesters: RoleSet,
    /// Who may approve or deny one.
    pub approvers: RoleSet,
    /// Whether an approver may approve their own request (off: the two-person rule).
    pub allow_self_approval: bool,
}

impl ApprovalPolicy {
    /// Whether `actor` may ask for a release or reject.
    pub fn check_request(&self, actor: &Actor) -> Result<(), Refusal> {
        if self.requesters.anyone || self.requesters.names(actor) {
            Ok(())
        } else if self.requesters.names_nobody() {
            Err(Refusal::NoRequesters {
                platform: actor.platform,
            })
        } else {
            Err(Refusal::NotRequester {
                user_id: actor.user_id.clone(),
                roles: actor.roles.clone(),
            })
        }
    }

    /// Whether `actor` is an approver here (the check behind approvals, denials by others than
    /// the requester, and reading the audit log).
    pub fn check_approver(&self, actor: &Actor) -> Result<(), Refusal> {
        if self.approvers.names_nobody() {
            Err(Refusal::NoApprovers {
                platform: actor.platform,
            })
        } else if self.approvers.names(actor) {
            Ok(())
        } else {
            Err(Refusal::NotApprover {
                user_id: actor.user_id.clone(),
                roles: actor.roles.clone(),
            })
        }
    }

    /// Problems worth reporting when the config is loaded (nothing here is unsafe: each one
    /// makes the rule refuse more, not less).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.approvers.names_nobody() {
            out.push("no approvers are named: every approval will be refused".to_owned());
        }
        if self.approvers.anyone {
            out.push("`anyone` is ignored for approvers; name approvers by user or role".into());
        }
        if self.requesters.names_nobody() && !self.requesters.anyone {
            out.push("no requesters are named: every request will be refused".to_owned());
        }
        out
    }
}

/// The rule for each platform. The default refuses everything everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policies {
    /// Discord: role ids and user ids.
    pub discord: ApprovalPolicy,
    /// Slack: user-group ids and user ids.
    pub slack: ApprovalPolicy,
    /// The console demo: role names and user names.
    pub console: ApprovalPolicy,
}

static NOBODY: ApprovalPolicy = ApprovalPolicy {
    requesters: RoleSet {
        anyone: false,
        user_ids: Vec::new(),
        roles: Vec::new(),
    },
    approvers: RoleSet {
        anyone: false,
        user_ids: Vec::new(),
        roles: Vec::new(),
    },
    allow_self_approval: false,
};

impl Policies {
    /// The rule of `platform`; the CLI's refuses everything (it confirms instead).
    pub fn for_platform(&self, platform: Platform) -> &ApprovalPolicy {
        match platform {
            Platform::Discord => &self.discord,
            Platform::Slack => &self.slack,
            Platform::Console => &self.console,
            Platform::Cli => &NOBODY,
        }
    }

    /// Whether `actor` may ask for a release or reject.
    pub fn check_request(&self, actor: &Actor) -> Result<(), Refusal> {
        self.for_platform(actor.platform).check_request(actor)
    }

    /// Whether `approver` may approve a request made by `requester`.
    pub fn check_approve(&self, requester: &Actor, approver: &Actor) -> Result<(), Refusal> {
        same_platform(requester, approver)?;
        let policy = self.for_platform(approver.platform);
        if policy.approvers.names_nobody() {
            return policy.check_approver(approver);
        }
        if approver.same_person(requester) && !policy.allow_self_approval {
            return Err(Refusal::SelfApproval {
                user_id: approver.user_id.clone(),
            });
        }
        policy.check_approver(approver)
    }

    /// Whether `actor` may deny a request made by `requester`: an approver, or the requester
    /// withdrawing their own request.
    pub fn check_deny(&self, requester: &Actor, actor: &Actor) -> Result<(), Refusal> {
        same_platform(requester, actor)?;
        if actor.same_person(requester) {
            return Ok(());
        }
        self.for_platform(actor.platform).check_approver(actor)
    }

    /// Whether `actor` may read the audit log: approvers only.
    pub fn check_audit_viewer(&self, actor: &Actor) -> Result<(), Refusal> {
        self.for_platform(actor.platform).check_approver(actor)
    }
}

fn same_platform(requester: &Actor, actor: &Actor) -> Result<(), Refusal> {
    if requester.platform == actor.platform {
        Ok(())
    } else {
        Err(Refusal::WrongPlatform {
            requested_on: requester.platform,
            acted_on: actor.platform,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn console(user: &str, roles: &[&str]) -> Actor {
        Actor::new(Platform::Console, user, user).with_roles(roles.iter().copied())
    }

    fn policies(policy: ApprovalPolicy) -> Policies {
        Policies {
            console: policy,
            ..Policies::default()
        }
    }

    fn lead_approves() -> ApprovalPolicy {
        ApprovalPolicy {
            requesters: RoleSet::roles(["analyst", "lead"]),
            approvers: RoleSet::roles(["lead"]),
            allow_self_approval: false,
        }
    }

    #[test]
    fn self_approval_is_refused_unless_allowed() {
        let lead = console("lee", &["lead"]);
        let p = policies(lead_approves());
        assert!(matches!(
            p.check_approve(&lead, &lead),
            Err(Refusal::SelfApproval { .. })
        ));
        let mut allowed = lead_approves();
        allowed.allow_self_approval = true;
        assert_eq!(
            policies(allowed.clone()).check_approve(&lead, &lead),
            Ok(())
        );
        // Allowing self-approval does not make a non-approver an approver.
        let analyst = console("ana", &["analyst"]);
        assert!(matches!(
            policies(allowed).check_approve(&analyst, &analyst),
            Err(Refusal::NotApprover { .. })
        ));
    }

    #[test]
    fn non_approvers_and_empty_approver_sets_are_refused() {
        let analyst = console("ana", &["analyst"]);
        let other = console("bob", &["analyst"]);
        let lead = console("lee", &["lead"]);
        let p = policies(lead_approves());
        assert!(matches!(
            p.check_approve(&analyst, &other),
            Err(Refusal::NotApprover { .. })
        ));
        assert_eq!(p.check_approve(&analyst, &lead), Ok(()));

        let mut empty = lead_approves();
        empty.approvers = RoleSet::default();
        assert!(matches!(
            policies(empty.clone()).check_approve(&analyst, &lead),
            Err(Refusal::NoApprovers { .. })
        ));
        // `anyone` does not open approvals, and blank names name nobody.
        empty.approvers = RoleSet {
            anyone: true,
            user_ids: vec![" ".into()],
            roles: vec![String::new()],
        };
        assert!(matches!(
            policies(empty.clone()).check_approve(&analyst, &lead),
            Err(Refusal::NoApprovers { .. })
        ));
        assert_eq!(empty.warnings().len(), 2);
        // An actor with a blank id or blank role is not matched by blank config entries.
        let blank = console("", &[""]);
        assert!(!empty.approvers.names(&blank));
    }

    #[test]
    fn approvers_match_by_user_id_or_role() {
        let analyst = console("ana", &["analyst"]);
        let p = policies(ApprovalPolicy {
            requesters: RoleSet::anyone(),
            approvers: RoleSet::users(["lee"]),
            allow_self_approval: false,
        });
        assert_eq!(p.check_approve(&analyst, &console("lee", &[])), Ok(()));
        assert!(p.check_approve(&analyst, &console("Lee", &[])).is_err());
    }

    #[test]
    fn requesters_fail_closed_unless_anyone() {
        let stranger = console("zed", &[]);
        let mut policy = lead_approves();
        assert!(matches!(
            policy.check_request(&stranger),
            Err(Refusal::NotRequester { .. })
        ));
        policy.requesters = RoleSet::default();
        assert!(matches!(
            policy.check_request(&stranger),
            Err(Refusal::NoRequesters { .. })
        ));
        policy.requesters = RoleSet::anyone();
        assert_eq!(policy.check_request(&stranger), Ok(()));
    }

    #[test]
    fn decisions_stay_on_the_request_platform_and_cli_is_refused() {
        let analyst = console("ana", &["analyst"]);
        let slack_lead = Actor::new(Platform::Slack, "lee", "lee").with_roles(["lead"]);
        let p = Policies {
            console: lead_approves(),
            slack: lead_approves(),
            ..Policies::default()
        };
        assert!(matches!(
            p.check_approve(&analyst, &slack_lead),
            Err(Refusal::WrongPlatform { .. })
        ));
        let cli = Actor::new(Platform::Cli, "root", "root").with_roles(["lead"]);
        assert!(p.check_request(&cli).is_err());
    }

    #[test]
    fn requesters_may_withdraw_and_approvers_may_deny() {
        let analyst = console("ana", &["analyst"]);
        let p = policies(lead_approves());
        assert_eq!(p.check_deny(&analyst, &analyst), Ok(()));
        assert_eq!(p.check_deny(&analyst, &console("lee", &["lead"])), Ok(()));
        assert!(
            p.check_deny(&analyst, &console("bob", &["analyst"]))
                .is_err()
        );
        assert!(p.check_audit_viewer(&analyst).is_err());
    }
}

//! Slack user groups as approval roles: the groups named in `[approvals.slack]` are looked up
//! with usergroups.users.list (cached for a minute), and a person holds the groups that list
//! them. A failed lookup gives no groups, so the rule fails closed.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::web::SlackWeb;
use crate::approvals::ApprovalPolicy;

/// How long a group's members are trusted before they are looked up again.
pub const MEMBERS_TTL: Duration = Duration::from_secs(60);

/// The configured groups and a cache of their members.
pub struct GroupRoles {
    groups: Vec<String>,
    cache: Mutex<HashMap<String, (Instant, HashSet<String>)>>,
}

impl GroupRoles {
    /// The user groups named anywhere in `policy` (requesters and approvers).
    pub fn from_policy(policy: &ApprovalPolicy) -> Self {
        let mut groups: Vec<String> = policy
            .requesters
            .roles
            .iter()
            .chain(&policy.approvers.roles)
            .cloned()
            .collect();
        groups.sort();
        groups.dedup();
        Self {
            groups,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The configured groups `user` belongs to.
    pub async fn roles_of(&self, web: &SlackWeb, user: &str) -> Vec<String> {
        let mut held = Vec::new();
        let mut cache = self.cache.lock().await;
        for group in &self.groups {
            let fresh = cache
                .get(group)
                .filter(|(at, _)| at.elapsed() < MEMBERS_TTL)
                .map(|(_, members)| members.contains(user));
            let member = match fresh {
                Some(member) => member,
                None => match web.usergroup_members(group).await {
                    Ok(members) => {
                        let members: HashSet<String> = members.into_iter().collect();
                        let member = members.contains(user);
                        cache.insert(group.clone(), (Instant::now(), members));
                        member
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, group = %group, "could not read a Slack user group; treating the person as outside it");
                        false
                    }
                },
            };
            if member {
                held.push(group.clone());
            }
        }
        held
    }
}

//! Message tracking rows (`/api/message-finder/search`); the archive and the TTP logs are
//! built on top of the same messages.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::rng::{OpaqueIds, Rng, Stream, mix64, permute, unpermute};
use super::vocab::{self, fill};
use super::{Address, Dataset, SandboxData};

/// Mail flow direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// From outside to the organisation.
    Inbound,
    /// From the organisation to outside.
    Outbound,
    /// Within the organisation.
    Internal,
}

impl Route {
    /// The lowercase wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Inbound => "inbound",
            Route::Outbound => "outbound",
            Route::Internal => "internal",
        }
    }
}

/// What kind of mail a message is; drives its sender, subject, verdicts and TTP logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Ordinary business mail.
    Clean,
    /// Bulk mail.
    Spam,
    /// Credential phishing with a malicious link.
    Phish,
    /// Mail with a malicious attachment.
    Malware,
    /// Business email compromise from a look-alike sender.
    Impersonation,
    /// A user forwarding a suspicious mail to the SOC mailbox.
    Report,
}

/// Delivery status as message tracking reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Delivered and archived.
    Archived,
    /// Delivered.
    Delivered,
    /// Held for review.
    Held,
    /// Rejected at the gateway.
    Rejected,
    /// Bounced by the receiving server.
    Bounced,
    /// Delivery deferred.
    Deferred,
}

impl Status {
    /// The wire value of `status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Archived => "archived",
            Status::Delivered => "delivered",
            Status::Held => "held",
            Status::Rejected => "rejected",
            Status::Bounced => "bounced",
            Status::Deferred => "deferred",
        }
    }

    fn info(self) -> &'static str {
        match self {
            Status::Archived => "Indexed and archived",
            Status::Delivered => "Delivered",
            Status::Held => "Held for review",
            Status::Rejected => "Envelope Rejected",
            Status::Bounced => "Hard bounce: 550 5.1.1 recipient unknown",
            Status::Deferred => "Deferred: 421 4.7.0 try again later",
        }
    }
}

/// A mailbox taking part in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// An employee at one of the organisation's domains.
    Employee {
        /// Index into [`vocab::EMPLOYEES`].
        person: u8,
        /// Index into [`vocab::ORG_DOMAINS`].
        domain: u8,
    },
    /// The SOC service account ([`vocab::SERVICE_USER`]).
    Service,
    /// A contact at a legitimate external domain.
    Partner {
        /// Index into [`vocab::PARTNER_CONTACTS`].
        contact: u8,
        /// Index into [`vocab::PARTNER_DOMAINS`].
        domain: u8,
    },
    /// A fixed sender from one of the attacker or bulk lists.
    Listed {
        /// The full address.
        address: &'static str,
        /// The display name.
        name: &'static str,
    },
}

impl Party {
    /// `(local part, domain)` without allocating.
    pub fn parts(&self) -> (&'static str, &'static str) {
        match *self {
            Party::Employee { person, domain } => (
                vocab::EMPLOYEES[usize::from(person) % vocab::EMPLOYEES.len()].0,
                vocab::ORG_DOMAINS[usize::from(domain) % vocab::ORG_DOMAINS.len()],
            ),
            Party::Service => vocab::SERVICE_USER
                .split_once('@')
                .unwrap_or((vocab::SERVICE_USER, "")),
            Party::Partner { contact, domain } => (
                vocab::PARTNER_CONTACTS[usize::from(contact) % vocab::PARTNER_CONTACTS.len()].0,
                vocab::PARTNER_DOMAINS[usize::from(domain) % vocab::PARTNER_DOMAINS.len()],
            ),
            Party::Listed { address, .. } => address.split_once('@').unwrap_or((address, "")),
        }
    }

    /// The SMTP address.
    pub fn address(&self) -> String {
        let (local, domain) = self.parts();
        format!("{local}@{domain}")
    }

    /// The display name.
    pub fn name(&self) -> &'static str {
        match *self {
            Party::Employee { person, .. } => {
                vocab::EMPLOYEES[usize::from(person) % vocab::EMPLOYEES.len()].1
            }
            Party::Service => vocab::SERVICE_USER_NAME,
            Party::Partner { contact, .. } => {
                vocab::PARTNER_CONTACTS[usize::from(contact) % vocab::PARTNER_CONTACTS.len()].1
            }
            Party::Listed { name, .. } => name,
        }
    }

    /// The `{emailAddress, displayableName}` object.
    pub fn to_address(&self) -> Address {
        Address {
            email_address: self.address(),
            displayable_name: self.name().to_owned(),
        }
    }

    /// Whether `query` names this mailbox: a full address (`a@b.com`) matches the address, a
    /// bare or `@`-prefixed domain matches the domain; both case-insensitively.
    pub fn matches(&self, query: &str) -> bool {
        let (local, domain) = self.parts();
        address_matches(local, domain, query)
    }
}

/// The address-or-domain rule shared by tracking, held and archive filters.
pub(crate) fn address_matches(local: &str, domain: &str, query: &str) -> bool {
    let query = query.trim();
    match query.split_once('@') {
        Some(("", qd)) => qd.eq_ignore_ascii_case(domain),
        Some((ql, qd)) => ql.eq_ignore_ascii_case(local) && qd.eq_ignore_ascii_case(domain),
        None => !query.is_empty() && query.eq_ignore_ascii_case(domain),
    }
}

/// The cheap, allocation-free facts about a message that filters look at.
#[derive(Debug, Clone)]
pub(crate) struct MessageAttrs {
    pub route: Route,
    pub profile: Profile,
    pub sender: Party,
    pub recipients: [Party; 3],
    pub recipient_count: usize,
    pub subject_template: &'static str,
    pub n: u64,
    pub month: usize,
    pub status: Status,
    pub attachments: bool,
    pub ip: [u8; 4],
    pub spam_score: u32,
    pub detection_level: &'static str,
}

impl MessageAttrs {
    /// The recipients actually used.
    pub fn recipients(&self) -> &[Party] {
        &self.recipients[..self.recipient_count.clamp(1, 3)]
    }

    /// The subject line.
    pub fn subject(&self) -> String {
        let partner = match self.route {
            Route::Outbound => self.recipients[0].parts().1,
            _ => self.sender.parts().1,
        };
        fill(self.subject_template, self.n, self.month, partner, "")
    }

    /// The sending IP as text.
    pub fn sender_ip(&self) -> String {
        let [a, b, c, d] = self.ip;
        format!("{a}.{b}.{c}.{d}")
    }
}

/// The first draws of a message's stream: enough to decide whether a TTP log row can refer to
/// it, without building the rest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MessageHead {
    pub route: Route,
    pub profile: Profile,
    pub attachments: bool,
}

fn message_head(rng: &mut Rng) -> MessageHead {
    let route = [Route::Inbound, Route::Outbound, Route::Internal][rng.weighted(&[70, 18, 12])];
    let profile = match route {
        Route::Inbound => [
            Profile::Clean,
            Profile::Spam,
            Profile::Phish,
            Profile::Malware,
            Profile::Impersonation,
        ][rng.weighted(&[55, 12, 15, 8, 10])],
        Route::Outbound => Profile::Clean,
        Route::Internal => {
            if rng.percent(25) {
                Profile::Report
            } else {
                Profile::Clean
            }
        }
    };
    let attachments = match profile {
        Profile::Malware => true,
        Profile::Report => rng.percent(60),
        Profile::Clean if route == Route::Inbound => rng.percent(40),
        Profile::Clean if route == Route::Outbound => rng.percent(35),
        Profile::Clean => rng.percent(20),
        Profile::Phish => rng.percent(25),
        Profile::Spam | Profile::Impersonation => rng.percent(5),
    };
    MessageHead {
        route,
        profile,
        attachments,
    }
}

fn employee(rng: &mut Rng) -> Party {
    Party::Employee {
        person: rng.below(vocab::EMPLOYEES.len() as u64) as u8,
        domain: rng.weighted(&[85, 15]) as u8,
    }
}

fn partner(rng: &mut Rng) -> Party {
    Party::Partner {
        contact: rng.below(vocab::PARTNER_CONTACTS.len() as u64) as u8,
        domain: rng.below(vocab::PARTNER_DOMAINS.len() as u64) as u8,
    }
}

fn listed(rng: &mut Rng, list: &'static [(&'static str, &'static str)]) -> Party {
    let (address, name) = *rng.pick(list);
    Party::Listed { address, name }
}

/// One row of `data[0].trackedEmails[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackedEmail {
    /// Opaque tracking id (~350 characters).
    pub id: String,
    /// Human-readable status detail ("Indexed and archived", "Envelope Rejected", …).
    pub info: String,
    /// archived, delivered, held, rejected, bounced or deferred.
    pub status: String,
    /// Envelope sender.
    pub from_env: EnvelopeAddress,
    /// Header sender.
    pub from_hdr: Address,
    /// Recipients (1 to 3).
    pub to: Vec<Address>,
    /// When the gateway received it.
    pub received: String,
    /// When the sender's client sent it.
    pub sent: String,
    /// Subject line.
    pub subject: String,
    /// Connecting IP.
    #[serde(rename = "senderIP")]
    pub sender_ip: String,
    /// Whether it has attachments.
    pub attachments: bool,
    /// inbound, outbound or internal.
    pub route: String,
    /// Spam score.
    pub spam_score: u32,
    /// relaxed, moderate, aggressive or empty.
    pub detection_level: String,
    /// The internet Message-ID (`<…@…>`), searchable with `messageId`; not on the wire here.
    #[serde(skip)]
    pub message_id: String,
    /// `received` as a timestamp.
    #[serde(skip)]
    pub received_at: DateTime<Utc>,
}

/// `{"emailAddress": …}` (the envelope sender has no display name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvelopeAddress {
    /// The SMTP address.
    pub email_address: String,
}

const TRACKING_ID_PURPOSE: u64 = 10;
const MESSAGE_ID_TAG: u64 = 0x4D53_4749_4400;

impl SandboxData {
    pub(crate) fn text_rng(&self, dataset: Dataset, index: usize) -> Rng {
        Rng::keyed(
            self.seed(),
            (Stream::Text as u64) << 8 | dataset.tag(),
            index as u64,
        )
    }

    /// Route, profile and attachment flag of tracked message `index` (cheap).
    pub(crate) fn message_head(&self, index: usize) -> MessageHead {
        message_head(&mut Rng::new(self.seed(), Stream::Tracking, index as u64))
    }

    /// The filterable facts of tracked message `index`.
    pub(crate) fn message_attrs(&self, index: usize) -> MessageAttrs {
        let mut rng = Rng::new(self.seed(), Stream::Tracking, index as u64);
        let MessageHead {
            route,
            profile,
            attachments,
        } = message_head(&mut rng);
        let sender = match (route, profile) {
            (Route::Inbound, Profile::Spam) => listed(&mut rng, vocab::SPAM_SENDERS),
            (Route::Inbound, Profile::Phish) => listed(&mut rng, vocab::PHISH_SENDERS),
            (Route::Inbound, Profile::Malware) => listed(&mut rng, vocab::MALWARE_SENDERS),
            (Route::Inbound, Profile::Impersonation) => {
                listed(&mut rng, vocab::IMPERSONATION_SENDERS)
            }
            (Route::Inbound, _) => partner(&mut rng),
            _ => employee(&mut rng),
        };
        let recipient_count = match (route, profile) {
            (_, Profile::Report) => 1,
            (Route::Outbound, _) => 1 + rng.weighted(&[85, 15]),
            _ => 1 + rng.weighted(&[80, 15, 5]),
        };
        let mut recipients = [Party::Service; 3];
        for (k, slot) in recipients.iter_mut().enumerate().take(recipient_count) {
            *slot = match (route, profile) {
                (_, Profile::Report) => Party::Service,
                (Route::Outbound, _) => partner(&mut rng),
                (Route::Inbound, Profile::Phish | Profile::Impersonation)
                    if k == 0 && rng.percent(6) =>
                {
                    Party::Service
                }
                _ => employee(&mut rng),
            };
        }
        let templates = match (route, profile) {
            (_, Profile::Spam) => vocab::SPAM_SUBJECTS,
            (_, Profile::Phish) => vocab::PHISH_SUBJECTS,
            (_, Profile::Malware) => vocab::MALWARE_SUBJECTS,
            (_, Profile::Impersonation) => vocab::IMPERSONATION_SUBJECTS,
            (_, Profile::Report) => vocab::REPORT_SUBJECTS,
            (Route::Outbound, _) => vocab::OUTBOUND_SUBJECTS,
            (Route::Internal, _) => vocab::INTERNAL_SUBJECTS,
            (Route::Inbound, _) => vocab::CLEAN_SUBJECTS,
        };
        let subject_template = *rng.pick(templates);
        let n = rng.between(10_000, 99_999);
        let month = rng.below(12) as usize;
        use Status::*;
        let status = match profile {
            Profile::Spam => [Archived, Delivered, Held, Rejected][rng.weighted(&[20, 10, 40, 30])],
            Profile::Phish => {
                [Delivered, Archived, Held, Rejected][rng.weighted(&[40, 10, 35, 15])]
            }
            Profile::Malware => [Delivered, Held, Rejected][rng.weighted(&[15, 50, 35])],
            Profile::Impersonation => {
                [Delivered, Held, Bounced, Rejected][rng.weighted(&[30, 45, 10, 15])]
            }
            Profile::Clean | Profile::Report => {
                [Archived, Delivered, Bounced, Deferred][rng.weighted(&[70, 25, 3, 2])]
            }
        };
        let ip = match (route, sender) {
            (Route::Inbound, Party::Partner { contact, domain }) => {
                [52, 96, domain.wrapping_mul(37), 10 + contact]
            }
            (Route::Inbound, _) => [
                *rng.pick(&[185u8, 45, 103, 91, 194]),
                rng.below(256) as u8,
                rng.below(256) as u8,
                rng.between(2, 254) as u8,
            ],
            _ => [10, 20, rng.below(8) as u8, rng.between(2, 250) as u8],
        };
        let spam_score = match (route, profile) {
            (Route::Inbound, Profile::Clean) => rng.between(0, 2),
            (_, Profile::Spam) => rng.between(12, 30),
            (_, Profile::Phish) => rng.between(4, 18),
            (_, Profile::Malware) => rng.between(3, 12),
            (_, Profile::Impersonation) => rng.between(2, 9),
            _ => 0,
        } as u32;
        let detection_level = match route {
            Route::Inbound => *rng.pick(&["relaxed", "relaxed", "moderate", "aggressive"]),
            _ => "",
        };
        MessageAttrs {
            route,
            profile,
            sender,
            recipients,
            recipient_count,
            subject_template,
            n,
            month,
            status,
            attachments,
            ip,
            spam_score,
            detection_level,
        }
    }

    fn tracking_ids(&self) -> OpaqueIds {
        OpaqueIds::new(self.seed(), TRACKING_ID_PURPOSE, "eNo", 352)
    }

    fn message_id_key(&self) -> u64 {
        mix64(self.seed() ^ MESSAGE_ID_TAG)
    }

    fn message_id_check(&self, index: u64) -> u32 {
        mix64(self.message_id_key() ^ index.wrapping_mul(0x9FB2_1C65_1E98_DF25)) as u32
    }

    /// The internet Message-ID of tracked message `index`: `<hex.token@mail.domain>`.
    pub(crate) fn message_id_with(&self, index: usize, attrs: &MessageAttrs) -> String {
        let head = permute(self.message_id_key(), index as u64);
        let check = self.message_id_check(index as u64);
        let token = Rng::keyed(self.seed(), MESSAGE_ID_TAG, index as u64).alnum(10);
        format!(
            "<{head:016x}{check:08x}.{token}@mail.{}>",
            attrs.sender.parts().1
        )
    }

    /// The internet Message-ID of tracked message `index`.
    pub fn message_id(&self, index: usize) -> String {
        self.message_id_with(index, &self.message_attrs(index))
    }

    /// The tracked message with this internet Message-ID (angle brackets optional).
    pub fn tracking_index(&self, message_id: &str) -> Option<usize> {
        let core = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        let hex = core.get(..24)?;
        let head = u64::from_str_radix(hex.get(..16)?, 16).ok()?;
        let check = u32::from_str_radix(hex.get(16..)?, 16).ok()?;
        let index = unpermute(self.message_id_key(), head);
        if index >= self.scale() as u64 || check != self.message_id_check(index) {
            return None;
        }
        let index = index as usize;
        let want = self.message_id(index);
        (want.trim_start_matches('<').trim_end_matches('>') == core).then_some(index)
    }

    /// The tracking row whose `id` is `id`.
    pub fn tracking_index_by_id(&self, id: &str) -> Option<usize> {
        self.tracking_ids()
            .decode(id, self.scale() as u64)
            .map(|i| i as usize)
    }

    /// Tracked message `index` as `message-finder/search` returns it.
    pub fn tracked_email(&self, index: usize) -> TrackedEmail {
        let attrs = self.message_attrs(index);
        self.tracked_email_with(index, &attrs)
    }

    pub(crate) fn tracked_email_with(&self, index: usize, attrs: &MessageAttrs) -> TrackedEmail {
        let mut text = self.text_rng(Dataset::Tracking, index);
        let received_at = self.time(Dataset::Tracking, index);
        let sent_at = received_at - Duration::seconds(text.between(1, 90) as i64);
        let sender_address = attrs.sender.address();
        let env = if attrs.profile == Profile::Spam {
            format!("bounce-{}@{}", text.hex(10), attrs.sender.parts().1)
        } else {
            sender_address.clone()
        };
        TrackedEmail {
            id: self.tracking_ids().encode(index as u64),
            info: attrs.status.info().to_owned(),
            status: attrs.status.as_str().to_owned(),
            from_env: EnvelopeAddress { email_address: env },
            from_hdr: Address {
                email_address: sender_address,
                displayable_name: attrs.sender.name().to_owned(),
            },
            to: attrs.recipients().iter().map(Party::to_address).collect(),
            received: crate::mimecast::dates::format(received_at),
            sent: crate::mimecast::dates::format(sent_at),
            subject: attrs.subject(),
            sender_ip: attrs.sender_ip(),
            attachments: attrs.attachments,
            route: attrs.route.as_str().to_owned(),
            spam_score: attrs.spam_score,
            detection_level: attrs.detection_level.to_owned(),
            message_id: self.message_id_with(index, attrs),
            received_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn data() -> SandboxData {
        SandboxData::new(
            3,
            2000,
            Utc.with_ymd_and_hms(2024, 6, 14, 12, 0, 0).unwrap(),
        )
    }

    #[test]
    fn rows_are_deterministic_and_varied() {
        let d = data();
        assert_eq!(d.tracked_email(17), d.tracked_email(17));
        assert_ne!(d.tracked_email(17).id, d.tracked_email(18).id);
        let rows: Vec<TrackedEmail> = (0..2000).map(|i| d.tracked_email(i)).collect();
        for status in ["archived", "delivered", "held", "rejected", "bounced"] {
            assert!(rows.iter().any(|r| r.status == status), "{status}");
        }
        for route in ["inbound", "outbound", "internal"] {
            assert!(rows.iter().any(|r| r.route == route), "{route}");
        }
        assert!(rows.iter().any(|r| r.subject.contains("Überweisung")));
        assert!(rows.iter().any(|r| r.subject.contains("請求書")));
        assert!(rows.iter().any(|r| r.subject.chars().count() > 120));
        assert!(
            rows.iter()
                .any(|r| r.from_hdr.email_address.ends_with("@examp1e-corp.com"))
        );
        assert!(
            rows.iter()
                .any(|r| r.to.iter().any(|t| t.email_address == vocab::SERVICE_USER))
        );
        assert!(rows.iter().all(|r| (340..=360).contains(&r.id.len())));
    }

    #[test]
    fn message_ids_and_tracking_ids_resolve() {
        let d = data();
        for i in [0, 1, 999, 1999] {
            let row = d.tracked_email(i);
            assert_eq!(d.tracking_index(&row.message_id), Some(i));
            assert_eq!(
                d.tracking_index(row.message_id.trim_matches(['<', '>'])),
                Some(i)
            );
            assert_eq!(d.tracking_index_by_id(&row.id), Some(i));
        }
        assert_eq!(d.tracking_index("<nonsense@example.com>"), None);
        assert_eq!(d.tracking_index(""), None);
        let other = SandboxData::new(4, 2000, d.now());
        assert_eq!(other.tracking_index(&d.message_id(5)), None);
    }

    #[test]
    fn address_rule() {
        assert!(address_matches("a.b", "x.com", "A.B@X.COM"));
        assert!(address_matches("a.b", "x.com", "x.com"));
        assert!(address_matches("a.b", "x.com", "@x.com"));
        assert!(!address_matches("a.b", "x.com", "a.c@x.com"));
        assert!(!address_matches("a.b", "x.com", "y.x.com"));
        assert!(!address_matches("a.b", "x.com", ""));
    }
}

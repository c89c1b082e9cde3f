//! Names, domains, subjects, URLs and other word lists the datasets draw from.
//!
//! The organisation is Example Corp (`example-corp.com`, `example-corp.co.uk`); everything else
//! is a partner, a free-mail provider, or an attacker's look-alike domain.

/// The mailbox the sandbox's API user "is": non-admin queries only see its own mail.
pub const SERVICE_USER: &str = "soc-service@example-corp.com";
/// Display name of [`SERVICE_USER`].
pub const SERVICE_USER_NAME: &str = "SOC Service Account";

/// The organisation's own domains.
pub const ORG_DOMAINS: &[&str] = &["example-corp.com", "example-corp.co.uk"];

/// Employees: (local part, display name). Display names include non-ASCII on purpose.
pub const EMPLOYEES: &[(&str, &str)] = &[
    ("margaret.chen", "Margaret Chen"),
    ("james.okafor", "James Okafor"),
    ("zoe.muller", "Zoë Müller"),
    ("jose.garcia", "José García"),
    ("soren.odegaard", "Søren Ødegaard"),
    ("taro.tanaka", "田中 太郎"),
    ("lukasz.nowak", "Łukasz Nowak"),
    ("aisha.benali", "Aïsha Benali"),
    ("priya.raman", "Priya Raman"),
    ("david.kim", "David Kim"),
    ("emma.wilson", "Emma Wilson"),
    ("liam.obrien", "Liam O'Brien"),
    ("fatima.haddad", "Fatima Haddad"),
    ("noah.schmidt", "Noah Schmidt"),
    ("olivia.rossi", "Olivia Rossi"),
    ("mateo.fernandez", "Mateo Fernández"),
    ("chloe.dubois", "Chloé Dubois"),
    ("wei.zhang", "Wei Zhang"),
    ("sophie.martin", "Sophie Martin"),
    ("ethan.brown", "Ethan Brown"),
    ("ines.costa", "Inês Costa"),
    ("lucas.jansen", "Lucas Jansen"),
    ("hannah.becker", "Hannah Becker"),
    ("omar.farouk", "Omar Farouk"),
    ("grace.lee", "Grace Lee"),
    ("finance", "Finance Team"),
    ("payroll", "Payroll"),
    ("it-helpdesk", "IT Helpdesk"),
    ("accounts.payable", "Accounts Payable"),
    ("hr", "Human Resources"),
];

/// Legitimate external domains (partners, suppliers, SaaS, free mail).
pub const PARTNER_DOMAINS: &[&str] = &[
    "contoso-supplies.com",
    "fabrikam.net",
    "northwind-traders.com",
    "tailspin-logistics.com",
    "adatum.org",
    "litware.io",
    "wingtip-toys.co.uk",
    "proseware-consulting.de",
    "gmail.com",
    "outlook.com",
];

/// Local parts used by partner senders: (local part, display name suffix).
pub const PARTNER_CONTACTS: &[(&str, &str)] = &[
    ("billing", "Billing"),
    ("accounts", "Accounts Receivable"),
    ("sales", "Sales"),
    ("support", "Customer Support"),
    ("anna.schneider", "Anna Schneider"),
    ("kenji.sato", "佐藤 健二"),
    ("r.patel", "Rahul Patel"),
    ("m.johnson", "Mary Johnson"),
    ("noreply", "Notifications"),
    ("orders", "Order Desk"),
];

/// Attacker senders: (address, display name, kind). Look-alike domains imitate the org or a
/// well-known brand.
pub const PHISH_SENDERS: &[(&str, &str)] = &[
    ("no-reply@paypa1-billing.net", "PayPal Service"),
    ("security@micros0ft-support.com", "Microsoft 365"),
    ("it-helpdesk@example-corp-secure.com", "IT Helpdesk"),
    ("docs@docusign-notice.net", "DocuSign"),
    ("admin@0ffice365-login.com", "Office 365 Admin"),
    ("sharepoint@examp1e-corp.com", "SharePoint Online"),
    ("hr-portal@exarnple-corp.com", "HR Portal"),
];

/// Senders of malicious attachments.
pub const MALWARE_SENDERS: &[(&str, &str)] = &[
    ("noreply@dhl-parcel-track.info", "DHL Express"),
    ("scanner@examp1e-corp.com", "Xerox WorkCentre"),
    ("accounts@tailspin-logistlcs.com", "Tailspin Accounts"),
    ("rechnung@buchhaltung-service.biz", "Buchhaltung"),
];

/// Executive impersonation senders: (address, display name). Display names copy executives.
pub const IMPERSONATION_SENDERS: &[(&str, &str)] = &[
    ("margaret.chen@examp1e-corp.com", "Margaret Chen"),
    ("ceo.office@example-c0rp.com", "Margaret Chen (CEO)"),
    ("james.okafor.cfo@gmail.com", "James Okafor"),
    ("m.chen@example-corp.co", "Margaret Chen"),
];

/// Bulk/spam senders.
pub const SPAM_SENDERS: &[(&str, &str)] = &[
    ("offers@mega-deals-online.shop", "Mega Deals"),
    ("newsletter@ai-finance-webinars.com", "AI for Finance"),
    ("winner@prize-claims.xyz", "Rewards Center"),
];

/// Subjects of ordinary inbound mail. `{n}` is a number, `{month}` a month, `{q}` a quarter,
/// `{amt}` an amount, `{partner}` the sender's domain.
pub const CLEAN_SUBJECTS: &[&str] = &[
    "Invoice INV-{n} from {partner}",
    "Re: Delivery schedule for PO-{n}",
    "Meeting notes – {month} steering committee",
    "Updated contract terms for the 2025 renewal – please review the attached redlines before Friday's call with legal and procurement so we can close this out before quarter end",
    "Überweisung bestätigt: Rechnung {n}",
    "請求書送付のご案内 ({n})",
    "Angebot Nr. {n} – Ihre Anfrage",
    "Your order #{n} has shipped",
    "Quarterly business review deck Q{q}",
    "Re: Re: Fwd: Shipping documents for container MSKU{n}",
    "Statement of account – {month}",
];

/// Subjects of credential-phishing mail.
pub const PHISH_SUBJECTS: &[&str] = &[
    "Action required: your mailbox is almost full",
    "Unusual sign-in activity on your account",
    "Shared document: Q{q} Payroll Adjustments.xlsx",
    "DocuSign: Please review and sign document {n}",
    "MFA reset requested for your account",
    "Your password expires today",
    "PayPal: payment of €{amt} on hold",
    "Überprüfung Ihres Kontos erforderlich",
];

/// Subjects of mail carrying malware.
pub const MALWARE_SUBJECTS: &[&str] = &[
    "Remittance advice {n}",
    "Scanned document from Xerox WorkCentre",
    "DHL: shipment {n} could not be delivered",
    "Rechnung {n} – Zahlungserinnerung",
    "請求書 {n} のお支払いについて",
];

/// Subjects of business-email-compromise (impersonation) mail.
pub const IMPERSONATION_SUBJECTS: &[&str] = &[
    "Urgent wire transfer needed today",
    "Are you at your desk?",
    "Confidential: acquisition payment",
    "Change of bank details for payroll",
    "Quick favour – gift cards for the team",
];

/// Subjects of spam.
pub const SPAM_SUBJECTS: &[&str] = &[
    "You've won a $500 gift card!",
    "Lowest prices on office supplies – 70% off",
    "Exclusive webinar invitation: AI for finance teams",
];

/// Subjects of outbound mail.
pub const OUTBOUND_SUBJECTS: &[&str] = &[
    "Re: Invoice INV-{n}",
    "Proposal for {partner}",
    "Follow-up from our call",
    "Angebot {n}",
    "Purchase order PO-{n}",
];

/// Subjects of internal mail.
pub const INTERNAL_SUBJECTS: &[&str] = &[
    "Team lunch Friday",
    "Payroll update for {month}",
    "IT maintenance window this weekend",
    "Re: Project Falcon kickoff",
    "Expense report {n} approved",
    "R&D budget review <draft v{q}>",
];

/// Subjects of reports users forward to the SOC mailbox.
pub const REPORT_SUBJECTS: &[&str] = &[
    "FW: Suspicious email – is this legit?",
    "[Phish report] Unusual sign-in activity on your account",
    "FW: Action required: your mailbox is almost full",
];

/// Month names used in subjects.
pub const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Clean URLs users click: (url, category).
pub const CLEAN_URLS: &[(&str, &str)] = &[
    (
        "https://example-corp.sharepoint.com/sites/finance/Shared%20Documents/Q3-budget.xlsx",
        "File Sharing",
    ),
    (
        "https://docs.google.com/document/d/1x{tok}/edit",
        "File Sharing",
    ),
    (
        "https://github.com/example-corp/platform/pull/{n}",
        "Computing & Internet",
    ),
    ("https://zoom.us/j/9{n}", "Collaboration"),
    ("https://www.contoso-supplies.com/orders/{n}", "Business"),
    ("https://northwind-traders.com/catalog?page=2", "Business"),
    (
        "https://www.linkedin.com/in/example-corp",
        "Social Networking",
    ),
    (
        "https://fabrikam.net/support/ticket/{n}",
        "Computing & Internet",
    ),
];

/// Malicious URLs: (url, category).
pub const MALICIOUS_URLS: &[(&str, &str)] = &[
    (
        "https://examp1e-corp.com/login?session={tok}",
        "Phishing & Fraud",
    ),
    (
        "http://paypa1-billing.net/verify/account?id={n}",
        "Phishing & Fraud",
    ),
    (
        "https://0ffice365-login.com/owa/auth.php?u={tok}",
        "Phishing & Fraud",
    ),
    (
        "https://micros0ft-support.com/mfa/reset/{tok}",
        "Phishing & Fraud",
    ),
    ("https://docusign-notice.net/sign/{n}", "Phishing & Fraud"),
    ("https://bit.ly/3x{tok}", "Newly Registered Domain"),
    (
        "http://dhl-parcel-track.info/track?id={n}",
        "Malware & Spyware",
    ),
];

/// Safe attachments: (file name pattern, MIME type).
pub const SAFE_FILES: &[(&str, &str)] = &[
    ("invoice_{n}.pdf", "application/pdf"),
    (
        "Payroll_{month}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "Contract_redlines_v{q}.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("請求書_{n}.pdf", "application/pdf"),
    ("photo_{n}.jpg", "image/jpeg"),
    ("Übersicht_{month}.pdf", "application/pdf"),
];

/// Malicious attachments: (file name pattern, MIME type).
pub const MALICIOUS_FILES: &[(&str, &str)] = &[
    ("Remittance_{n}.html", "text/html"),
    (
        "Rechnung_{n}.docm",
        "application/vnd.ms-word.document.macroEnabled.12",
    ),
    ("scan_{n}.zip", "application/zip"),
    ("DHL_Shipment_{n}.iso", "application/x-iso9660-image"),
    ("invoice_{n}.pdf.exe", "application/x-msdownload"),
    (
        "payment_{n}.xlsm",
        "application/vnd.ms-excel.sheet.macroEnabled.12",
    ),
];

/// Malware names used in attachment `details`.
pub const MALWARE_NAMES: &[&str] = &[
    "Trojan.GenericKD",
    "HTML/Phishing.Agent",
    "W97M.Downloader",
    "Win32/Qakbot",
    "JS/Agent.NZX",
];

/// Held-message reasons: (reason, reasonId, policyInfo).
pub const HOLD_REASONS: &[(&str, &str, &str)] = &[
    (
        "Message Hold Applied - Spam Signature policy",
        "MESSAGE_HOLD_APPLIED_SPAM_SIGNATURE_POLICY",
        "Relaxed Spam Detection",
    ),
    (
        "Message Hold Applied - Attachment Management policy",
        "MESSAGE_HOLD_APPLIED_ATTACHMENT_MANAGEMENT_POLICY",
        "Hold Executables and Macros",
    ),
    (
        "Message Hold Applied - Content Examination policy",
        "MESSAGE_HOLD_APPLIED_CONTENT_EXAMINATION_POLICY",
        "Finance Keyword Review",
    ),
    (
        "Message Hold Applied - Impersonation Protection policy",
        "MESSAGE_HOLD_APPLIED_IMPERSONATION_PROTECTION_POLICY",
        "Executive Impersonation Protect",
    ),
    (
        "Message Hold Applied - Anti-Spoofing policy",
        "MESSAGE_HOLD_APPLIED_ANTI_SPOOFING_POLICY",
        "Anti-Spoofing Inbound",
    ),
    (
        "Message Hold Applied - Suspected Malware",
        "MESSAGE_HOLD_APPLIED_SUSPECTED_MALWARE",
        "Default Anti-Virus",
    ),
];

/// URL Protect definitions.
pub const URL_DEFINITIONS: &[&str] = &[
    "Default URL Protection Definition",
    "Aggressive URL Protection - Finance",
];

/// Attachment Protect definitions.
pub const ATTACHMENT_DEFINITIONS: &[&str] = &[
    "Default Attachment Protection Definition",
    "Pre-emptive Sandbox - Executives",
];

/// Impersonation Protect definitions.
pub const IMPERSONATION_DEFINITIONS: &[&str] = &[
    "Default Impersonation Definition",
    "Executive BEC Protection",
];

/// Identifier values Impersonation Protect reports (and accepts as filters).
pub const IMPERSONATION_IDENTIFIERS: &[&str] = &[
    "newly_observed_domain",
    "internal_user_name",
    "reply_address_mismatch",
    "targeted_threat_dictionary",
    "similar_internal_domain",
    "similar_monitored_external_domain",
    "custom_external_domain",
    "mimecast_external_domain",
    "custom_name_list",
];

/// Action values Impersonation Protect reports (and accepts as filters).
pub const IMPERSONATION_ACTIONS: &[&str] = &[
    "none",
    "delete",
    "hold",
    "bounce",
    "smart_folder",
    "disable_smart_folder",
    "content_expire",
    "meta_expire",
    "stationery",
    "gcc",
    "secure_delivery",
    "delivery_route",
    "document_policy",
    "disable_document_policy",
    "attach_set_policy",
    "remove_email",
];

/// The Mimecast URL-rewrite host used for protected links.
pub const PROTECT_HOST: &str = "protect-eu.mimecast.com";

/// Fills `{n}`, `{month}`, `{q}`, `{amt}`, `{partner}` and `{tok}` placeholders.
pub fn fill(template: &str, n: u64, month: usize, partner: &str, tok: &str) -> String {
    if !template.contains('{') {
        return template.to_owned();
    }
    template
        .replace("{n}", &n.to_string())
        .replace("{month}", MONTHS[month % MONTHS.len()])
        .replace("{q}", &(month % 4 + 1).to_string())
        .replace("{amt}", &format!("{}.{:02}", 100 + n % 4900, (n / 7) % 100))
        .replace("{partner}", partner)
        .replace("{tok}", tok)
}

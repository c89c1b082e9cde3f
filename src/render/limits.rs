//! Platform limits, as named constants, in characters unless stated otherwise.
//!
//! Discord: resources/message and components reference of Discord's API documentation.
//! Slack: Block Kit reference and the limits Slack's own SDK enforces.

/// Discord limits.
pub mod discord {
    /// Message `content`.
    pub const CONTENT: usize = 2000;
    /// Embeds in one message.
    pub const EMBEDS_PER_MESSAGE: usize = 10;
    /// Embed title.
    pub const EMBED_TITLE: usize = 256;
    /// Embed description.
    pub const EMBED_DESCRIPTION: usize = 4096;
    /// Fields in one embed.
    pub const EMBED_FIELDS: usize = 25;
    /// Field name.
    pub const FIELD_NAME: usize = 256;
    /// Field value.
    pub const FIELD_VALUE: usize = 1024;
    /// Footer text.
    pub const FOOTER: usize = 2048;
    /// Author name.
    pub const AUTHOR_NAME: usize = 256;
    /// Title, description, field names and values, footer and author across all embeds of a
    /// message together.
    pub const EMBEDS_TOTAL: usize = 6000;
    /// A component's `custom_id`.
    pub const CUSTOM_ID: usize = 100;
    /// A button's label.
    pub const BUTTON_LABEL: usize = 80;
    /// Buttons in one action row.
    pub const BUTTONS_PER_ROW: usize = 5;
    /// Action rows in one message.
    pub const ACTION_ROWS: usize = 5;
}

/// Slack limits.
pub mod slack {
    /// Blocks in one message.
    pub const BLOCKS_PER_MESSAGE: usize = 50;
    /// A section block's text.
    pub const SECTION_TEXT: usize = 3000;
    /// Fields in a section block.
    pub const SECTION_FIELDS: usize = 10;
    /// One section field's text.
    pub const SECTION_FIELD_TEXT: usize = 2000;
    /// A header block's text.
    pub const HEADER_TEXT: usize = 150;
    /// Elements in an actions block.
    pub const ACTIONS_ELEMENTS: usize = 25;
    /// A button's text.
    pub const BUTTON_TEXT: usize = 75;
    /// A button's value.
    pub const BUTTON_VALUE: usize = 2000;
    /// `action_id` and `block_id`.
    pub const ACTION_ID: usize = 255;
    /// Context block elements.
    pub const CONTEXT_ELEMENTS: usize = 10;
    /// Any text object (`mrkdwn` or `plain_text`), e.g. a context element.
    pub const TEXT_OBJECT: usize = 3000;
    /// Text across all blocks of one message. Undocumented: Slack answers `msg_blocks_too_long`
    /// from roughly 11,000–13,000 characters (slackapi/bolt-js#2509, #2867), so this keeps a
    /// margin below the lowest reported failure.
    pub const BLOCKS_TEXT_TOTAL: usize = 9000;
}

/// Terminal output.
pub mod terminal {
    /// Width the text renderer lays tables out for.
    pub const WIDTH: usize = 100;
}

//! The settings the server defines, with their defaults: Rocket.Chat's ids
//! where it has the same setting, and those Rocket.Chat's clients read to
//! decide what they show (the sign-in form, message times, the room
//! list's last messages). Each declares the type and range its value
//! must have; Rocket.Chat declares none for these, so the ranges are
//! Capsule's: wide enough for any sensible use, narrow enough that no
//! value stops the server serving (a page of -1 items, messages of 0
//! characters).

use serde_json::json;

use super::{SettingDef, SettingType};

macro_rules! setting {
    ($id:literal, $group:literal, $kind:expr, $default:expr, $public:literal, $desc:literal) => {
        SettingDef {
            id: $id,
            group: $group,
            kind: $kind,
            default: || json!($default),
            public: $public,
            description: $desc,
        }
    };
}

/// An integer from `min` to `max`.
const fn int(min: i64, max: i64) -> SettingType {
    SettingType::Int {
        min,
        max,
        off: None,
    }
}

/// An integer from `min` to `max`, or `off` for no limit.
const fn int_or_none(off: i64, min: i64, max: i64) -> SettingType {
    SettingType::Int {
        min,
        max,
        off: Some(off),
    }
}

/// Text of at most `max_chars` characters.
const fn text(max_chars: usize) -> SettingType {
    SettingType::String { max_chars }
}

pub(super) static DEFINITIONS: &[SettingDef] = &[
    setting!(
        "Site_Name",
        "General",
        text(255),
        "Capsule",
        true,
        "The server's name, shown to users."
    ),
    setting!(
        "Site_Url",
        "General",
        text(2048),
        "",
        true,
        "The URL users reach the server at."
    ),
    setting!(
        "Language",
        "General",
        text(16),
        "en",
        true,
        "Default language of the web client."
    ),
    setting!(
        "Accounts_RegistrationForm",
        "Accounts",
        SettingType::Select(&["Public", "Disabled"]),
        "Public",
        true,
        "Whether anyone may register an account (`Public`) or only admins create them (`Disabled`)."
    ),
    setting!(
        "Accounts_AllowUserProfileChange",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Users may change their name, username and e-mail."
    ),
    setting!(
        "Accounts_AllowDeleteOwnAccount",
        "Accounts",
        SettingType::Boolean,
        false,
        true,
        "Users may delete their own account."
    ),
    setting!(
        "Accounts_AllowUserStatusMessageChange",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Users may set a status message (`users.setStatus`)."
    ),
    setting!(
        "Accounts_AllowInvisibleStatusOption",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Users may show themselves as `offline` while signed in."
    ),
    setting!(
        "Accounts_AllowPasswordChange",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Users may change their own password."
    ),
    setting!(
        "Accounts_Password_Policy_Enabled",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Passwords set through the API must meet the length policy below."
    ),
    setting!(
        "Accounts_Password_Policy_MinLength",
        "Accounts",
        int_or_none(-1, 0, 1024),
        7,
        true,
        "Fewest characters a password may have (-1: no minimum)."
    ),
    setting!(
        "Accounts_Password_Policy_MaxLength",
        "Accounts",
        int_or_none(-1, 1, 1024),
        -1,
        true,
        "Most characters a password may have (-1: no maximum)."
    ),
    setting!(
        "Accounts_Block_Failed_Login_Attempts_Per_User",
        "Accounts",
        int(1, 10_000),
        10,
        false,
        "Failed sign-ins for one account, from all addresses, before the addresses that failed for it are refused for the window; other addresses may still sign in."
    ),
    setting!(
        "Accounts_Block_Failed_Login_Attempts_Per_Ip",
        "Accounts",
        int(1, 100_000),
        50,
        false,
        "Failed sign-ins from one address before it is blocked for the window."
    ),
    setting!(
        "Accounts_Block_Failed_Login_Window_Minutes",
        "Accounts",
        int(1, 10_080),
        5,
        false,
        "How long failed sign-ins are remembered, in minutes."
    ),
    setting!(
        "API_Default_Count",
        "General",
        int(1, 1000),
        50,
        true,
        "Items in a page when a request names no `count`."
    ),
    setting!(
        "API_Upper_Count_Limit",
        "General",
        int(1, 1000),
        100,
        true,
        "Most items a page may hold."
    ),
    setting!(
        "API_Allow_Infinite_Count",
        "General",
        SettingType::Boolean,
        true,
        true,
        "`count=0` returns every item."
    ),
    setting!(
        "Message_MaxAllowedSize",
        "Message",
        int(1, 1_000_000),
        5000,
        true,
        "Most characters in one message."
    ),
    setting!(
        "Message_AllowEditing",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Users may edit their messages."
    ),
    setting!(
        "Message_AllowDeleting",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Users may delete their messages."
    ),
    setting!(
        "Message_AllowPinning",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Messages may be pinned."
    ),
    setting!(
        "Message_AllowStarring",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Messages may be starred."
    ),
    setting!(
        "Threads_enabled",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Replies in threads."
    ),
    setting!(
        "UI_Use_Real_Name",
        "Layout",
        SettingType::Boolean,
        false,
        true,
        "Show names instead of usernames."
    ),
    setting!(
        "Capsule_Rocket_Chat_Release",
        "General",
        SettingType::Release,
        "7.10.0",
        false,
        "The Rocket.Chat release `/api/info` announces (as `major.minor`); clients pick their code paths and check their supported versions by it. Raise it when the official clients stop supporting the line."
    ),
    setting!(
        "uniqueID",
        "General",
        text(64),
        "",
        true,
        "This server's random id, made at first start; clients send it when they look up supported versions."
    ),
    setting!(
        "Accounts_ShowFormLogin",
        "Accounts",
        SettingType::Boolean,
        true,
        true,
        "Clients show the username and password form."
    ),
    setting!(
        "Accounts_EmailOrUsernamePlaceholder",
        "Accounts",
        text(255),
        "",
        true,
        "Placeholder of the sign-in form's username field (empty: the client's own)."
    ),
    setting!(
        "Accounts_PasswordPlaceholder",
        "Accounts",
        text(255),
        "",
        true,
        "Placeholder of the sign-in form's password field (empty: the client's own)."
    ),
    setting!(
        "Accounts_RegistrationForm_LinkReplacementText",
        "Accounts",
        text(1024),
        "New user registration is currently disabled",
        true,
        "What clients show instead of the registration link when registration is disabled."
    ),
    setting!(
        "Store_Last_Message",
        "Message",
        SettingType::Boolean,
        true,
        true,
        "Rooms and memberships carry their newest message (`lastMessage`), which clients show in the room list."
    ),
    setting!(
        "Message_TimeFormat",
        "Message",
        text(64),
        "LT",
        true,
        "How clients show a message's time (a moment.js format)."
    ),
    setting!(
        "Message_TimeAndDateFormat",
        "Message",
        text(64),
        "LLL",
        true,
        "How clients show a message's date and time (a moment.js format)."
    ),
    setting!(
        "Message_GroupingPeriod",
        "Message",
        int(0, 86_400),
        300,
        true,
        "Seconds within which clients show one sender's messages as a group."
    ),
];

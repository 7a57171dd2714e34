//! Complete Discord API v10 objects as JSON, in the shapes serenity 0.12 deserializes.

use serde_json::{json, Value};

use crate::chat::Member;

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// Discord's text channel and public thread channel types.
pub(crate) const TEXT_CHANNEL: u8 = 0;
pub(crate) const PUBLIC_THREAD: u8 = 11;
/// A direct message channel between the bot and one member.
pub(crate) const DM_CHANNEL: u8 = 1;
/// The message flag Discord uses for ephemeral messages.
pub(crate) const EPHEMERAL: u64 = 64;

#[derive(Debug, Clone)]
pub(crate) struct ChannelRec {
    pub id: String,
    pub name: String,
    pub kind: u8,
    pub parent_id: Option<String>,
    /// A thread's creator; a DM channel's recipient.
    pub owner_id: Option<String>,
}

pub(crate) fn user(id: &str, name: &str, bot: bool) -> Value {
    json!({
        "id": id, "username": name, "discriminator": "0", "global_name": name, "avatar": null,
        "bot": bot, "system": false, "public_flags": 0, "flags": 0,
    })
}

pub(crate) fn current_user(id: &str, name: &str) -> Value {
    let mut user = user(id, name, true);
    let extra = json!({"verified": true, "mfa_enabled": false, "email": null, "locale": "en-US"});
    merge(&mut user, &extra);
    user
}

/// A guild member without its user (as inside MESSAGE_CREATE).
pub(crate) fn partial_member(member: &Member) -> Value {
    json!({
        "roles": member.roles, "nick": null, "avatar": null, "joined_at": "2024-01-01T00:00:00.000+00:00",
        "premium_since": null, "deaf": false, "mute": false, "flags": 0, "pending": false,
    })
}

pub(crate) fn guild_member(member: &Member, guild_id: &str) -> Value {
    let mut out = partial_member(member);
    merge(
        &mut out,
        &json!({"user": user(&member.id, &member.name, false), "guild_id": guild_id}),
    );
    out
}

pub(crate) fn channel(rec: &ChannelRec, guild_id: &str) -> Value {
    if rec.kind == DM_CHANNEL {
        let recipient = user(rec.owner_id.as_deref().unwrap_or_default(), "member", false);
        return json!({
            "id": rec.id, "type": DM_CHANNEL, "last_message_id": null, "flags": 0, "recipients": [recipient],
        });
    }
    let mut out = json!({
        "id": rec.id, "type": rec.kind, "guild_id": guild_id, "name": rec.name, "position": 0,
        "permission_overwrites": [], "nsfw": false, "topic": null, "last_message_id": null,
        "rate_limit_per_user": 0, "parent_id": rec.parent_id, "flags": 0,
    });
    if rec.kind == PUBLIC_THREAD {
        let ts = now();
        merge(
            &mut out,
            &json!({
                "owner_id": rec.owner_id, "member_count": 1, "message_count": 0, "total_message_sent": 0,
                "thread_metadata": {
                    "archived": false, "auto_archive_duration": 1440, "archive_timestamp": ts,
                    "locked": false, "create_timestamp": ts,
                },
            }),
        );
    }
    out
}

/// The partial channel Discord puts inside interactions.
pub(crate) fn partial_channel(rec: &ChannelRec) -> Value {
    json!({"id": rec.id, "type": rec.kind, "name": rec.name, "parent_id": rec.parent_id, "permissions": "0"})
}

pub(crate) fn role(id: &str, name: &str, position: u16) -> Value {
    json!({
        "id": id, "name": name, "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false, "icon": null, "unicode_emoji": null, "position": position,
        "permissions": "0", "managed": false, "mentionable": true, "flags": 0,
    })
}

pub(crate) struct GuildParts<'a> {
    pub id: &'a str,
    pub owner_id: &'a str,
    pub channels: Vec<Value>,
    pub threads: Vec<Value>,
    pub roles: Vec<Value>,
    pub members: Vec<Value>,
}

pub(crate) fn guild_create(parts: GuildParts<'_>) -> Value {
    // Split in two: one json! literal this size exceeds the macro recursion limit.
    let mut guild = json!({
        "id": parts.id, "name": "City of Example", "icon": null, "icon_hash": null, "splash": null,
        "discovery_splash": null, "owner_id": parts.owner_id, "afk_channel_id": null, "afk_timeout": 300,
        "widget_enabled": false, "widget_channel_id": null, "verification_level": 0,
        "default_message_notifications": 1, "explicit_content_filter": 0, "roles": parts.roles,
        "emojis": [], "features": [], "mfa_level": 0, "application_id": null, "system_channel_id": null,
        "system_channel_flags": 0, "rules_channel_id": null, "max_presences": null, "max_members": 500000,
    });
    merge(
        &mut guild,
        &json!({
            "vanity_url_code": null, "description": null, "banner": null, "premium_tier": 0,
            "premium_subscription_count": 0, "preferred_locale": "en-US", "public_updates_channel_id": null,
            "max_video_channel_users": 25, "max_stage_video_channel_users": 50, "nsfw_level": 0,
            "stickers": [], "premium_progress_bar_enabled": false, "safety_alerts_channel_id": null,
        }),
    );
    merge(
        &mut guild,
        &json!({
            "joined_at": "2024-01-01T00:00:00.000+00:00", "large": false, "unavailable": false,
            "member_count": parts.members.len(), "voice_states": [], "members": parts.members,
            "channels": parts.channels, "threads": parts.threads, "presences": [], "stage_instances": [],
            "guild_scheduled_events": [], "incidents_data": null,
        }),
    );
    guild
}

pub(crate) fn ready(
    bot: &Value,
    guild_id: &str,
    session_id: &str,
    resume_url: &str,
    app_id: &str,
) -> Value {
    json!({
        "v": 10, "user": bot, "guilds": [{"id": guild_id, "unavailable": true}],
        "session_id": session_id, "resume_gateway_url": resume_url, "shard": [0, 1],
        "application": {"id": app_id, "flags": 0}, "private_channels": [], "presences": [],
        "relationships": [], "user_settings": {}, "geo_ordered_rtc_regions": [],
    })
}

/// A message as Discord returns it; `extra` (content, embeds, components, ...) is merged in.
pub(crate) fn message(
    id: &str,
    channel_id: &str,
    guild_id: &str,
    author: Value,
    extra: &Value,
) -> Value {
    let mut out = json!({
        "id": id, "channel_id": channel_id, "guild_id": guild_id, "author": author, "content": "",
        "timestamp": now(), "edited_timestamp": null, "tts": false, "mention_everyone": false,
        "mentions": [], "mention_roles": [], "mention_channels": [], "attachments": [], "embeds": [],
        "reactions": [], "pinned": false, "type": 0, "flags": 0, "components": [],
    });
    merge(&mut out, extra);
    out
}

pub(crate) fn command(id: &str, app_id: &str, guild_id: &str, body: &Value) -> Value {
    let mut out = json!({
        "id": id, "application_id": app_id, "guild_id": guild_id, "version": id, "type": 1,
        "description": "", "options": [], "default_member_permissions": null, "dm_permission": true,
        "nsfw": false,
    });
    merge(&mut out, body);
    out
}

pub(crate) struct InteractionParts<'a> {
    pub id: &'a str,
    pub kind: u8,
    pub token: &'a str,
    pub app_id: &'a str,
    pub guild_id: &'a str,
    pub channel: &'a ChannelRec,
    pub member: &'a Member,
    pub data: Value,
    pub message: Option<Value>,
}

pub(crate) fn interaction(parts: InteractionParts<'_>) -> Value {
    let mut out = json!({
        "id": parts.id, "application_id": parts.app_id, "type": parts.kind, "data": parts.data,
        "guild_id": parts.guild_id, "channel": partial_channel(parts.channel),
        "channel_id": parts.channel.id, "member": guild_member(parts.member, parts.guild_id),
        "token": parts.token, "version": 1, "app_permissions": "0", "locale": "en-US",
        "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"0": parts.guild_id},
        "context": 0, "attachment_size_limit": 10485760,
    });
    if let Some(message) = parts.message {
        out["message"] = message;
    }
    out
}

/// Shallow merge: every key of `extra` (an object) replaces the same key of `base`.
pub(crate) fn merge(base: &mut Value, extra: &Value) {
    if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            base.insert(key.clone(), value.clone());
        }
    }
}

/// Who a message would really ping, the way Discord decides it: mention syntax in the content,
/// filtered by `allowed_mentions` (absent means "parse everything"). Embeds never ping.
pub(crate) struct Pings {
    pub everyone: bool,
    pub users: Vec<String>,
    pub roles: Vec<String>,
}

pub(crate) fn pings(content: &str, allowed: Option<&Value>) -> Pings {
    let allowed = allowed.filter(|a| a.is_object());
    let parse_has = |what: &str| match allowed {
        None => true,
        Some(a) => a["parse"]
            .as_array()
            .is_some_and(|p| p.iter().any(|v| v == what)),
    };
    let listed = |key: &str, id: &str| {
        allowed.is_some_and(|a| a[key].as_array().is_some_and(|l| l.iter().any(|v| v == id)))
    };
    let everyone =
        (content.contains("@everyone") || content.contains("@here")) && parse_has("everyone");
    let mut users = Vec::new();
    let mut roles = Vec::new();
    for (prefix, is_role) in [("<@&", true), ("<@!", false), ("<@", false)] {
        let mut rest = content;
        while let Some(start) = rest.find(prefix) {
            rest = &rest[start + prefix.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if digits.is_empty() || !rest[digits.len()..].starts_with('>') {
                continue;
            }
            // "<@&1>" also contains "<@" followed by "&": the digit check above skips it.
            let (key, parse, out) = if is_role {
                ("roles", "roles", &mut roles)
            } else {
                ("users", "users", &mut users)
            };
            if (parse_has(parse) || listed(key, &digits)) && !out.contains(&digits) {
                out.push(digits);
            }
        }
    }
    Pings {
        everyone,
        users,
        roles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_follow_allowed_mentions() {
        let none = json!({"parse": [], "users": [], "roles": []});
        let p = pings("@everyone <@123> <@&9>", Some(&none));
        assert!(!p.everyone && p.users.is_empty() && p.roles.is_empty());
        let role = json!({"parse": [], "users": [], "roles": ["9"]});
        let p = pings("<@&9> <@&8> <@123>", Some(&role));
        assert_eq!(
            (p.everyone, p.users.len(), p.roles.clone()),
            (false, 0, vec!["9".to_string()])
        );
        let p = pings("@here <@!5> <@&7>", None);
        assert_eq!(
            (p.everyone, p.users, p.roles),
            (true, vec!["5".into()], vec!["7".into()])
        );
        let p = pings("\\<@123\\> @\u{200B}everyone", None);
        assert!(!p.everyone && p.users.is_empty());
    }
}

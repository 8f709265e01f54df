//! The receiver's settings, read from environment variables.

use std::env::VarError;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use gigs_events::webhook::Webhook;

use crate::inbox::{InboxOptions, Location, Synchronous};

/// The address listened on when `GIGS_WEBHOOK_ADDR` is not set.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);

/// How many days handled events are kept when
/// `GIGS_INBOX_RETENTION_DAYS` is not set.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// The shortest retention accepted: a pruned event's id no longer
/// de-duplicates, and Gigs (Svix) retries a delivery for about 28 hours.
pub const MIN_RETENTION_DAYS: u32 = 2;

/// Looks up one environment variable, the way [`std::env::var`] does.
pub trait Env: Fn(&str) -> Result<String, VarError> {}

impl<F: Fn(&str) -> Result<String, VarError>> Env for F {}

/// Everything `serve` needs.
#[derive(Debug)]
pub struct Config {
    /// The verifier built from `GIGS_WEBHOOK_SECRET`.
    pub webhook: Webhook,
    /// `GIGS_WEBHOOK_ADDR`, or [`DEFAULT_ADDR`].
    pub addr: SocketAddr,
    /// The inbox.
    pub inbox: InboxOptions,
    /// How long handled events are kept.
    pub retention: Retention,
    /// What a connection may cost.
    pub limits: Limits,
}

/// How long handled events are kept before pruning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Forever (`GIGS_INBOX_RETENTION_DAYS=0`).
    Forever,
    /// This many days.
    Days(u32),
}

impl Retention {
    /// The Unix time before which handled events are pruned, as of `now`;
    /// `None` when nothing is.
    pub fn prune_before(self, now: i64) -> Option<i64> {
        match self {
            Self::Forever => None,
            Self::Days(days) => Some(now - i64::from(days) * 86_400),
        }
    }
}

/// What one connection may cost, so that nobody who can reach the port
/// can stop the receiver serving, without knowing the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `GIGS_BODY_LIMIT`: the largest body read, in bytes; a larger one is
    /// answered `413` unread.
    pub body_limit: usize,
    /// `GIGS_HEADER_TIMEOUT`: how long a connection may take to send a
    /// request's headers, from its start or from the previous response: a
    /// connection that sends nothing, or too slowly, is closed. It is also
    /// how long a kept-alive connection may sit idle.
    pub header_timeout: Duration,
    /// `GIGS_BODY_TIMEOUT`: how long a request may take to send its body.
    pub body_timeout: Duration,
    /// `GIGS_SEND_TIMEOUT`: how long a write to a client may wait for the
    /// client to take any of it: a client that stops reading its answers
    /// is closed.
    pub send_timeout: Duration,
    /// `GIGS_MAX_CONNECTIONS`: the most connections served at once (never
    /// more than the open-file limit allows); more wait to be accepted.
    pub max_connections: usize,
    /// `GIGS_SHUTDOWN_TIMEOUT`: on SIGINT or SIGTERM, how long requests in
    /// flight may take to finish before the receiver exits anyway.
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // Gigs events are a few kilobytes; the largest documented ones
            // are far below this.
            body_limit: 256 * 1024,
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(10),
            max_connections: 1024,
            shutdown_timeout: Duration::from_secs(5),
        }
    }
}

/// The longest header timeout accepted: Gigs waits about 15 s for an
/// answer, and a delivery queued behind idle connections must get one.
pub const MAX_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// One environment variable: `None` when it is not set or empty.
fn optional_var(var: &impl Env, name: &str) -> Result<Option<String>, String> {
    match var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value.trim().to_owned())),
        Err(VarError::NotPresent) => Ok(None),
        Err(VarError::NotUnicode(_)) => Err(format!("{name} is not valid UTF-8")),
    }
}

/// A number of seconds (decimals allowed), at least `min`, at most `max`.
fn seconds(
    var: &impl Env,
    name: &str,
    default: Duration,
    max: Option<Duration>,
) -> Result<Duration, String> {
    let Some(value) = optional_var(var, name)? else {
        return Ok(default);
    };
    let duration = value
        .parse::<f64>()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| format!("{name}: `{value}` is not a positive number of seconds"))?;
    match max {
        Some(max) if duration > max => Err(format!(
            "{name}: `{value}` is more than the {} s allowed",
            max.as_secs()
        )),
        _ => Ok(duration),
    }
}

/// A positive whole number.
fn count(var: &impl Env, name: &str, default: usize) -> Result<usize, String> {
    match optional_var(var, name)? {
        None => Ok(default),
        Some(value) => value
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{name}: `{value}` is not a positive whole number")),
    }
}

impl Config {
    /// Reads the settings with `var`.
    ///
    /// # Errors
    ///
    /// A message naming the variable and what is wrong with it: a missing
    /// or malformed secret, an address that does not parse, both inbox
    /// variables set, a limit out of range. The secret itself is never in
    /// it.
    pub fn from_env(var: &impl Env) -> Result<Self, String> {
        let Some(secret) = optional_var(var, "GIGS_WEBHOOK_SECRET")? else {
            return Err(
                "GIGS_WEBHOOK_SECRET is not set: set it to the endpoint's signing secret, \
                 `whsec_` followed by base64"
                    .to_owned(),
            );
        };
        let webhook =
            Webhook::new(&secret).map_err(|error| format!("GIGS_WEBHOOK_SECRET: {error}"))?;
        let addr = match optional_var(var, "GIGS_WEBHOOK_ADDR")? {
            Some(addr) => addr.parse().map_err(|error| {
                format!(
                    "GIGS_WEBHOOK_ADDR: `{addr}` is not an address and port such as \
                     127.0.0.1:3000: {error}"
                )
            })?,
            None => DEFAULT_ADDR,
        };
        let defaults = Limits::default();
        let limits = Limits {
            body_limit: count(var, "GIGS_BODY_LIMIT", defaults.body_limit)?,
            header_timeout: seconds(
                var,
                "GIGS_HEADER_TIMEOUT",
                defaults.header_timeout,
                Some(MAX_HEADER_TIMEOUT),
            )?,
            body_timeout: seconds(var, "GIGS_BODY_TIMEOUT", defaults.body_timeout, None)?,
            send_timeout: seconds(var, "GIGS_SEND_TIMEOUT", defaults.send_timeout, None)?,
            max_connections: count(var, "GIGS_MAX_CONNECTIONS", defaults.max_connections)?,
            shutdown_timeout: seconds(
                var,
                "GIGS_SHUTDOWN_TIMEOUT",
                defaults.shutdown_timeout,
                None,
            )?,
        };
        Ok(Self {
            webhook,
            addr,
            inbox: inbox_from_env(var)?,
            retention: retention_from_env(var)?,
            limits,
        })
    }
}

/// Reads `GIGS_INBOX_URL`, `GIGS_INBOX_PATH`, `GIGS_INBOX_SYNCHRONOUS` and
/// `GIGS_REPLICA`.
///
/// # Errors
///
/// A message naming the variable and what is wrong with it.
pub fn inbox_from_env(var: &impl Env) -> Result<InboxOptions, String> {
    let url = optional_var(var, "GIGS_INBOX_URL")?;
    let path = optional_var(var, "GIGS_INBOX_PATH")?;
    let synchronous = optional_var(var, "GIGS_INBOX_SYNCHRONOUS")?;
    let location = match (url, path) {
        (Some(_), Some(_)) => {
            return Err(
                "both GIGS_INBOX_URL (PostgreSQL) and GIGS_INBOX_PATH (SQLite) are \
                 set: set one of them"
                    .to_owned(),
            );
        }
        (Some(url), None) => {
            if synchronous.is_some() {
                return Err(
                    "GIGS_INBOX_SYNCHRONOUS is for an SQLite inbox (GIGS_INBOX_PATH); \
                     a PostgreSQL inbox always commits synchronously"
                        .to_owned(),
                );
            }
            Location::Postgres(url)
        }
        (None, Some(path)) => Location::File(PathBuf::from(path)),
        (None, None) => Location::Memory,
    };
    let synchronous = match synchronous {
        None => Synchronous::Normal,
        Some(value) => match value.to_ascii_lowercase().as_str() {
            "normal" => Synchronous::Normal,
            "full" => Synchronous::Full,
            _ => {
                return Err(format!(
                    "GIGS_INBOX_SYNCHRONOUS: `{value}` is neither `normal` nor `full`"
                ));
            }
        },
    };
    let replica = match optional_var(var, "GIGS_REPLICA")? {
        Some(replica) => replica,
        None => default_replica(),
    };
    Ok(InboxOptions {
        location,
        synchronous,
        replica,
    })
}

/// Reads `GIGS_INBOX_RETENTION_DAYS`.
///
/// # Errors
///
/// When it is not a whole number, or under [`MIN_RETENTION_DAYS`] but 0.
pub fn retention_from_env(var: &impl Env) -> Result<Retention, String> {
    let Some(value) = optional_var(var, "GIGS_INBOX_RETENTION_DAYS")? else {
        return Ok(Retention::Days(DEFAULT_RETENTION_DAYS));
    };
    retention_days(&value).map_err(|error| format!("GIGS_INBOX_RETENTION_DAYS: {error}"))
}

/// A retention in days, as given on the command line or in the
/// environment.
///
/// # Errors
///
/// When it is not a whole number, or under [`MIN_RETENTION_DAYS`] but 0.
pub fn retention_days(value: &str) -> Result<Retention, String> {
    match value.trim().parse::<u32>() {
        Ok(0) => Ok(Retention::Forever),
        Ok(days) if days >= MIN_RETENTION_DAYS => Ok(Retention::Days(days)),
        Ok(days) => Err(format!(
            "{days} days is too short: a pruned event's id no longer de-duplicates, and \
             Gigs retries a delivery for about 28 hours; keep at least \
             {MIN_RETENTION_DAYS} days, or 0 to keep everything"
        )),
        Err(_) => Err(format!("`{value}` is not a whole number of days")),
    }
}

/// `hostname:pid`: tells replicas apart in the `handled` table.
fn default_replica() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "receiver".to_owned());
    format!("{host}:{}", std::process::id())
}

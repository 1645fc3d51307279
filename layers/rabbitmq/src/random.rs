//! Secrets made from the OS's randomness: the Erlang cookie and AMQP passwords.

use crate::workload::workload;

/// Length of the Erlang cookie (upper-case letters, as RabbitMQ's packages make it).
pub const COOKIE_LEN: usize = 32;
/// Length of a generated AMQP password (letters and digits, as charmhelpers' `pwgen`).
pub const PASSWORD_LEN: usize = 48;

const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `len` characters of `alphabet`, uniformly: bytes that would bias the choice are
/// dropped (rejection sampling).
fn draw(alphabet: &[u8], len: usize) -> std::io::Result<String> {
    let n = alphabet.len();
    // The largest multiple of n that fits in a byte: bytes at or above it are dropped.
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in workload().random(len * 2)? {
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % n] as char);
            }
        }
    }
    Ok(out)
}

/// A new Erlang cookie.
pub fn cookie() -> std::io::Result<String> {
    draw(UPPER, COOKIE_LEN)
}

/// A new AMQP password.
pub fn password() -> std::io::Result<String> {
    draw(ALNUM, PASSWORD_LEN)
}

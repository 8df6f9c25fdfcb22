//! Network addresses: IPv4, IPv6 and MAC addresses.

use std::net::Ipv6Addr;

use super::{accept_all, ContextRule, Guard, PatternSpec, Prefilter, Recognizer};
use crate::entity_type::ManagedEntity;

pub(super) const IP_ADDRESS: Recognizer = Recognizer {
    entity: ManagedEntity::IpAddress,
    patterns: &[
        PatternSpec {
            regex: r"\b\d{1,3}(?:\.\d{1,3}){3}\b",
            validate: ipv4_valid,
            context: ContextRule::NotNeeded,
            prefilter: Prefilter {
                min_digits: 4,
                required_byte: Some(b'.'),
            },
            guard: Guard::None,
        },
        PatternSpec {
            // A superset of IPv6 text forms; the standard library's parser decides.
            regex: r"(?i)(?:\b[0-9a-f]{1,4})?(?:::?[0-9a-f]{1,4}){1,7}(?:::|\b)(?:\.\d{1,3}){0,3}",
            validate: ipv6_valid,
            context: ContextRule::NotNeeded,
            prefilter: Prefilter::byte(b':'),
            guard: Guard::None,
        },
    ],
    context_words: &["ip", "ip address", "host", "address"],
    negative_words: &["version", "v"],
};

/// Four octets of at most 255, without leading zeros.
fn ipv4_valid(text: &str) -> bool {
    text.split('.').all(|octet| {
        !(octet.len() > 1 && octet.starts_with('0')) && octet.parse::<u16>().is_ok_and(|v| v <= 255)
    })
}

/// Parses as IPv6 and holds at least two groups of hex digits (so `::1` and clock times such as
/// `12:30:45` do not count).
fn ipv6_valid(text: &str) -> bool {
    let groups = text.split(':').filter(|group| !group.is_empty()).count();
    groups >= 2 && text.parse::<Ipv6Addr>().is_ok()
}

pub(super) const MAC_ADDRESS: Recognizer = Recognizer {
    entity: ManagedEntity::MacAddress,
    patterns: &[PatternSpec {
        regex: r"(?i)\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b|\b[0-9a-f]{2}(?:-[0-9a-f]{2}){5}\b|\b[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}\b",
        validate: accept_all,
        context: ContextRule::NotNeeded,
        prefilter: Prefilter::NONE,
        guard: Guard::None,
    }],
    context_words: &["mac", "mac address", "hardware address", "ethernet"],
    negative_words: &[],
};

#[cfg(test)]
mod tests {
    use crate::detect::Sensitivity;
    use crate::entities::test_support::{assert_whole_values, found};
    use crate::entity_type::ManagedEntity;

    #[test]
    fn ipv4_octets_are_checked() {
        assert_whole_values(
            ManagedEntity::IpAddress,
            &["192.168.0.1", "8.8.8.8", "255.255.255.255"],
            &["256.1.1.1", "192.168.01.1", "1.2.3", "1.2.3.4.5.6"],
        );
    }

    #[test]
    fn ipv6_forms() {
        assert_whole_values(
            ManagedEntity::IpAddress,
            &[
                "2001:db8::8a2e:370:7334",
                "2001:0db8:0000:0000:0000:ff00:0042:8329",
                "fe80::1",
                "::ffff:192.0.2.128",
            ],
            &["12:30:45", "::", "00:1a:2b:3c:4d:5e", "a:b"],
        );
        assert_eq!(
            found(
                ManagedEntity::IpAddress,
                Sensitivity::Low,
                "from fe80::1 at noon"
            ),
            ["fe80::1"]
        );
    }

    #[test]
    fn mac_addresses() {
        assert_whole_values(
            ManagedEntity::MacAddress,
            &["00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e"],
            &["00:1a:2b:3c:4d", "00:1a-2b:3c:4d:5e", "0g:1a:2b:3c:4d:5e"],
        );
    }
}

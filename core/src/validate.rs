//! Local checks run before a request is signed, so that a bad request fails with a message
//! naming the field and the rule instead of a round trip to WeChat Pay.

use crate::error::{Error, Result};

/// Checks that `value` has `min..=max` characters (Unicode scalar values, as WeChat Pay counts).
pub fn length(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    let count = value.chars().count();
    if count < min || count > max {
        let rule = if min == max { format!("exactly {min}") } else { format!("{min} to {max}") };
        return Err(Error::invalid_argument(field, format!("must be {rule} characters, got {count}")));
    }
    Ok(())
}

/// Checks length and that every character is 1 to 3 bytes in UTF-8: WeChat Pay rejects 4-byte
/// characters such as emoji.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    length(field, value, min, max)?;
    if let Some((index, character)) = value.chars().enumerate().find(|(_, c)| c.len_utf8() > 3) {
        return Err(Error::invalid_argument(
            field,
            format!(
                "contains U+{:04X} at character {index}, a 4-byte UTF-8 character (emoji or supplementary plane) that WeChat Pay does not accept",
                u32::from(character)
            ),
        ));
    }
    Ok(())
}

/// Checks an identifier: length and printable ASCII without spaces.
pub fn identifier(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    length(field, value, min, max)?;
    if let Some(bad) = value.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(Error::invalid_argument(field, format!("must be printable ASCII without spaces, found {bad:?}")));
    }
    Ok(())
}

/// Checks a merchant order or contract number: letters, digits and `_-|*@` (the characters
/// WeChat Pay documents for merchant numbers).
pub fn merchant_number(field: &str, value: &str, max: usize) -> Result<()> {
    length(field, value, 1, max)?;
    if let Some(bad) = value.chars().find(|c| !(c.is_ascii_alphanumeric() || "_-|*@".contains(*c))) {
        return Err(Error::invalid_argument(
            field,
            format!("may contain only letters, digits and _-|*@, found {bad:?}"),
        ));
    }
    Ok(())
}

/// Checks a notification URL: absolute `https`, at most `max` characters, no query string
/// (WeChat Pay calls it without parameters and rejects URLs that carry them).
pub fn notify_url(field: &str, value: &str, max: usize) -> Result<()> {
    length(field, value, 1, max)?;
    let url =
        url::Url::parse(value).map_err(|e| Error::invalid_argument(field, format!("is not an absolute URL: {e}")))?;
    if url.scheme() != "https" {
        return Err(Error::invalid_argument(field, format!("must use https, got scheme {:?}", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_argument(field, "must name a host"));
    }
    if url.query().is_some() {
        return Err(Error::invalid_argument(field, "must not carry query parameters"));
    }
    Ok(())
}

/// Checks a return URL: absolute http(s), at most `max` characters.
pub fn return_url(field: &str, value: &str, max: usize) -> Result<()> {
    length(field, value, 1, max)?;
    let url =
        url::Url::parse(value).map_err(|e| Error::invalid_argument(field, format!("is not an absolute URL: {e}")))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(Error::invalid_argument(
            field,
            format!("must be an http or https URL, got scheme {:?}", url.scheme()),
        ));
    }
    Ok(())
}

/// Checks an ISO 4217 alphabetic currency code such as `HKD`.
pub fn currency(field: &str, value: &str) -> Result<()> {
    if value.len() != 3 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid_argument(
            field,
            format!("must be an ISO 4217 code of 3 upper-case letters such as HKD, got {value:?}"),
        ));
    }
    Ok(())
}

/// Checks that an amount in minor units is positive.
pub fn positive_amount(field: &str, value: i64) -> Result<()> {
    if value <= 0 {
        return Err(Error::invalid_argument(field, format!("must be a positive amount in minor units, got {value}")));
    }
    Ok(())
}

/// Checks an IPv4 or IPv6 address.
pub fn ip_address(field: &str, value: &str) -> Result<()> {
    length(field, value, 1, 32)?;
    value
        .parse::<std::net::IpAddr>()
        .map(|_| ())
        .map_err(|_| Error::invalid_argument(field, format!("must be an IPv4 or IPv6 address, got {value:?}")))
}

/// Checks an optional value with `check`.
pub fn optional<T: ?Sized>(value: Option<&T>, check: impl FnOnce(&T) -> Result<()>) -> Result<()> {
    match value {
        Some(value) => check(value),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rejects_emoji() {
        let error = text("user_display_name", "Ann \u{1F600}", 1, 32).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("U+1F600"), "{error}");
    }

    #[test]
    fn text_accepts_chinese() {
        assert!(text("description", "\u{6708}\u{8d39}", 1, 128).is_ok());
    }

    #[test]
    fn length_counts_characters() {
        assert!(length("out_trade_no", &"a".repeat(33), 1, 32).is_err());
        assert!(length("out_trade_no", &"a".repeat(32), 1, 32).is_ok());
    }

    #[test]
    fn notify_url_requires_https_without_query() {
        assert!(notify_url("notify_url", "http://merchant.example/n", 256).is_err());
        assert!(notify_url("notify_url", "https://merchant.example/n?a=1", 256).is_err());
        assert!(notify_url("notify_url", "https://merchant.example/n", 256).is_ok());
    }

    #[test]
    fn currency_requires_three_upper_letters() {
        assert!(currency("amount.currency", "hkd").is_err());
        assert!(currency("amount.currency", "HKD").is_ok());
    }
}

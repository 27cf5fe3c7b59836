//! WeChat-style error responses and input checks shared by every API handler.
//!
//! An error response body is `{"code", "message", "detail"?: {"field", "value", "issue", "location"}}`.
//! The checks follow the API rules: required fields, maximum lengths counted in characters, no
//! 4-byte UTF-8 characters in text, https notification URLs without a query.

use serde_json::{json, Map, Value};

/// A successful API response before it is serialized and signed.
#[derive(Debug)]
pub(crate) enum ApiReply {
    /// 200 with a JSON body.
    Json(Value),
    /// 204 with an empty body.
    NoContent,
}

/// An error response: HTTP status, WeChat error code, message and optional field detail.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) detail: Option<Value>,
}

pub(crate) type ApiResult = Result<ApiReply, ApiError>;

impl ApiError {
    pub(crate) fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.to_string(), message: message.into(), detail: None }
    }

    /// 400 PARAM_ERROR about one field.
    pub(crate) fn param(field: &str, value: &str, issue: impl Into<String>, location: &str) -> Self {
        let issue = issue.into();
        Self {
            status: 400,
            code: "PARAM_ERROR".into(),
            message: format!("{field}: {issue}"),
            detail: Some(json!({
                "field": field,
                "value": truncate_chars(value, 64),
                "issue": issue,
                "location": location,
            })),
        }
    }

    /// 400 INVALID_REQUEST.
    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_REQUEST", message)
    }

    /// 404 NOT_FOUND.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NOT_FOUND", message)
    }

    /// 404 RESOURCE_NOT_EXISTS, the code of the refund APIs.
    pub(crate) fn resource_not_exists(message: impl Into<String>) -> Self {
        Self::new(404, "RESOURCE_NOT_EXISTS", message)
    }

    /// 401 SIGN_ERROR.
    pub(crate) fn sign_error(message: impl Into<String>) -> Self {
        Self::new(401, "SIGN_ERROR", message)
    }

    /// Replaces the error code, keeping status and message.
    pub(crate) fn with_code(mut self, code: &str) -> Self {
        self.code = code.to_string();
        self
    }

    pub(crate) fn with_detail(mut self, detail: Value) -> Self {
        self.detail = Some(detail);
        self
    }

    /// Serializes the error body.
    pub(crate) fn body(&self) -> Value {
        let mut body = json!({ "code": self.code, "message": self.message });
        if let (Some(detail), Some(object)) = (&self.detail, body.as_object_mut()) {
            object.insert("detail".into(), detail.clone());
        }
        body
    }
}

fn truncate_chars(value: &str, max: usize) -> String {
    value.chars().take(max).collect()
}

/// Read access to the fields of a JSON body or a query string, with WeChat's checks.
///
/// Query values are strings; integer accessors parse them. A JSON `null` counts as absent.
#[derive(Debug)]
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    location: &'static str,
    prefix: String,
}

impl<'a> Fields<'a> {
    pub(crate) fn body(map: &'a Map<String, Value>) -> Self {
        Self { map, location: "body", prefix: String::new() }
    }

    pub(crate) fn query(map: &'a Map<String, Value>) -> Self {
        Self { map, location: "query", prefix: String::new() }
    }

    fn path_of(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn raw(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    /// Builds a PARAM_ERROR about field `name` at this object's location.
    pub(crate) fn error(&self, name: &str, value: &str, issue: impl Into<String>) -> ApiError {
        ApiError::param(&self.path_of(name), value, issue, self.location)
    }

    /// Returns a required text field of 1 to `max` characters.
    pub(crate) fn required_str(&self, name: &str, max: usize) -> Result<&'a str, ApiError> {
        self.optional_str(name, max)?.ok_or_else(|| self.error(name, "", format!("{} is required", self.path_of(name))))
    }

    /// Returns an optional text field of 1 to `max` characters.
    pub(crate) fn optional_str(&self, name: &str, max: usize) -> Result<Option<&'a str>, ApiError> {
        let Some(value) = self.raw(name) else {
            return Ok(None);
        };
        let Some(text) = value.as_str() else {
            return Err(self.error(name, &value.to_string(), "must be a string"));
        };
        check_text(text, max).map_err(|issue| self.error(name, text, issue))?;
        Ok(Some(text))
    }

    /// Returns a required non-negative integer (a JSON number, or digits in a query).
    pub(crate) fn required_u64(&self, name: &str) -> Result<u64, ApiError> {
        let value =
            self.raw(name).ok_or_else(|| self.error(name, "", format!("{} is required", self.path_of(name))))?;
        let parsed = match value {
            Value::Number(n) => n.as_u64(),
            Value::String(s) if self.location == "query" => s.parse::<u64>().ok(),
            _ => None,
        };
        parsed.ok_or_else(|| self.error(name, &display_value(value), "must be a non-negative integer"))
    }

    /// Returns a required integer of at least 1 that fits in i64.
    pub(crate) fn required_positive_i64(&self, name: &str) -> Result<i64, ApiError> {
        let value = self.required_u64(name)?;
        i64::try_from(value)
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| self.error(name, &value.to_string(), "must be an integer from 1 to 2^63-1"))
    }

    /// Returns a nested required object.
    pub(crate) fn required_object(&self, name: &str) -> Result<Fields<'a>, ApiError> {
        self.optional_object(name)?.ok_or_else(|| self.error(name, "", format!("{} is required", self.path_of(name))))
    }

    /// Returns a nested optional object.
    pub(crate) fn optional_object(&self, name: &str) -> Result<Option<Fields<'a>>, ApiError> {
        let Some(value) = self.raw(name) else {
            return Ok(None);
        };
        let Some(map) = value.as_object() else {
            return Err(self.error(name, &value.to_string(), "must be a JSON object"));
        };
        Ok(Some(Fields { map, location: self.location, prefix: format!("{}.", self.path_of(name)) }))
    }

    /// Returns an optional notification URL: https, at most `max` characters, no query string.
    pub(crate) fn optional_notify_url(&self, name: &str, max: usize) -> Result<Option<&'a str>, ApiError> {
        let Some(text) = self.optional_str(name, max)? else {
            return Ok(None);
        };
        check_notify_url(text).map_err(|issue| self.error(name, text, issue))?;
        Ok(Some(text))
    }

    /// Returns a required notification URL (see [`Fields::optional_notify_url`]).
    pub(crate) fn required_notify_url(&self, name: &str, max: usize) -> Result<&'a str, ApiError> {
        self.optional_notify_url(name, max)?
            .ok_or_else(|| self.error(name, "", format!("{} is required", self.path_of(name))))
    }

    /// Returns an optional RFC 3339 time of at most `max` characters.
    pub(crate) fn optional_time(
        &self,
        name: &str,
        max: usize,
    ) -> Result<Option<chrono::DateTime<chrono::FixedOffset>>, ApiError> {
        let Some(text) = self.optional_str(name, max)? else {
            return Ok(None);
        };
        chrono::DateTime::parse_from_rfc3339(text)
            .map(Some)
            .map_err(|_| self.error(name, text, "must be an RFC 3339 time such as 2030-01-01T12:00:00+08:00"))
    }
}

fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Checks a text value: 1 to `max` characters and no 4-byte UTF-8 character.
pub(crate) fn check_text(text: &str, max: usize) -> Result<(), String> {
    let length = text.chars().count();
    if length == 0 || length > max {
        return Err(format!("must be 1 to {max} characters, got {length}"));
    }
    if let Some(c) = text.chars().find(|c| c.len_utf8() == 4) {
        return Err(format!(
            "contains U+{:04X}, a 4-byte UTF-8 character; only 1- to 3-byte characters are accepted",
            u32::from(c)
        ));
    }
    Ok(())
}

/// Checks a notification URL: an https URL with a host and no query string or fragment.
fn check_notify_url(text: &str) -> Result<(), String> {
    let url = url::Url::parse(text).map_err(|e| format!("is not a valid URL: {e}"))?;
    if url.scheme() != "https" {
        return Err(format!("must be an https URL, got scheme {}", url.scheme()));
    }
    if url.host_str().unwrap_or("").is_empty() {
        return Err("must contain a host".into());
    }
    if url.query().is_some() {
        return Err("must not contain a query string".into());
    }
    if url.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    Ok(())
}

/// Checks a currency code: three upper-case ASCII letters.
pub(crate) fn check_currency(fields: &Fields<'_>, name: &str) -> Result<String, ApiError> {
    let currency = fields.required_str(name, 16)?;
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(fields.error(name, currency, "must be an ISO 4217 code of three upper-case letters"));
    }
    Ok(currency.to_string())
}

/// Parses a request body as a JSON object; an empty body is an empty object.
pub(crate) fn parse_body_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::param("body", "", "the request body must be a JSON object", "body")),
        Err(e) => Err(ApiError::param("body", "", format!("the request body is not valid JSON: {e}"), "body")),
    }
}

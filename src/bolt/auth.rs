//! Authentication tokens.

use crate::value::Map;
use std::fmt;

/// Credentials sent to the server in INIT/HELLO (Bolt 1-5.0) or LOGON (5.1+).
///
/// `Debug` never shows the credentials.
#[derive(Clone, PartialEq)]
pub struct AuthToken {
    scheme: String,
    principal: Option<String>,
    credentials: Option<String>,
    realm: Option<String>,
    parameters: Option<Map>,
}

impl AuthToken {
    /// Username and password (`scheme: "basic"`).
    pub fn basic(user: impl Into<String>, password: impl Into<String>) -> AuthToken {
        AuthToken {
            scheme: "basic".into(),
            principal: Some(user.into()),
            credentials: Some(password.into()),
            realm: None,
            parameters: None,
        }
    }

    /// Username and password in a realm.
    pub fn basic_with_realm(
        user: impl Into<String>,
        password: impl Into<String>,
        realm: impl Into<String>,
    ) -> AuthToken {
        AuthToken {
            realm: Some(realm.into()),
            ..AuthToken::basic(user, password)
        }
    }

    /// A bearer token, e.g. from single sign-on.
    pub fn bearer(token: impl Into<String>) -> AuthToken {
        AuthToken {
            scheme: "bearer".into(),
            principal: None,
            credentials: Some(token.into()),
            realm: None,
            parameters: None,
        }
    }

    /// A base64-encoded Kerberos ticket.
    pub fn kerberos(ticket: impl Into<String>) -> AuthToken {
        AuthToken {
            scheme: "kerberos".into(),
            principal: Some(String::new()),
            credentials: Some(ticket.into()),
            realm: None,
            parameters: None,
        }
    }

    /// No authentication.
    pub fn none() -> AuthToken {
        AuthToken {
            scheme: "none".into(),
            principal: None,
            credentials: None,
            realm: None,
            parameters: None,
        }
    }

    /// A token for a custom authentication plugin.
    pub fn custom(
        principal: Option<String>,
        credentials: Option<String>,
        realm: Option<String>,
        scheme: impl Into<String>,
        parameters: Option<Map>,
    ) -> AuthToken {
        AuthToken {
            scheme: scheme.into(),
            principal,
            credentials,
            realm,
            parameters,
        }
    }

    /// The scheme (`basic`, `bearer`, `kerberos`, `none`, or custom).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The principal (user name), if any.
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }

    /// The entries as they go on the wire, in the order the Bolt specification shows them.
    ///
    /// An empty principal of a basic, bearer or none token, empty credentials and realm, and
    /// empty parameters are left out (as the official drivers do; some servers refuse an
    /// explicit empty credential). Kerberos and custom schemes keep an empty principal, which
    /// servers before Neo4j 4.4 require.
    ///
    /// The entries borrow the token's strings: encoding a HELLO or LOGON copies no
    /// credential into a value of its own.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&'static str, AuthEntry<'_>)> {
        let principal = self.principal.as_deref().filter(|p| {
            let optional = matches!(self.scheme.as_str(), "basic" | "bearer" | "none");
            !p.is_empty() || !optional
        });
        [
            Some(("scheme", AuthEntry::Str(&self.scheme))),
            principal.map(|p| ("principal", AuthEntry::Str(p))),
            non_empty(&self.credentials).map(|c| ("credentials", AuthEntry::Str(c))),
            non_empty(&self.realm).map(|r| ("realm", AuthEntry::Str(r))),
            self.parameters
                .as_ref()
                .filter(|p| !p.is_empty())
                .map(|p| ("parameters", AuthEntry::Map(p))),
        ]
        .into_iter()
        .flatten()
    }
}

/// `s` if it is there and not empty.
fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// The value of one of [`AuthToken::entries`], borrowed from the token.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AuthEntry<'a> {
    /// A string: the scheme, principal, credentials or realm.
    Str(&'a str),
    /// The parameters of a custom scheme.
    Map(&'a Map),
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthToken")
            .field("scheme", &self.scheme)
            .field("principal", &self.principal)
            .field("credentials", &self.credentials.as_ref().map(|_| "******"))
            .field("realm", &self.realm)
            .field("parameters", &self.parameters.as_ref().map(|_| "******"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_credentials() {
        let t = AuthToken::basic("neo4j", "s3cret-pw");
        let s = format!("{t:?}");
        assert!(s.contains("neo4j") && !s.contains("s3cret-pw"), "{s}");
        let b = AuthToken::bearer("tok-123");
        assert!(!format!("{b:?}").contains("tok-123"));
    }

    #[test]
    fn custom_schemes_keep_an_empty_principal_but_not_empty_parameters() {
        let t = AuthToken::custom(
            Some(String::new()),
            Some(String::new()),
            Some(String::new()),
            "minimal-scheme",
            Some(Map::new()),
        );
        let keys: Vec<_> = t.entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["scheme", "principal"]);
    }

    #[test]
    fn empty_credentials_are_left_out() {
        let keys: Vec<_> = AuthToken::basic("falkordb", "")
            .entries()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["scheme", "principal"]);
    }
}

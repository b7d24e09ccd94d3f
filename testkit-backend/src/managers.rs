//! Bookmark managers and auth token managers whose behaviour TestKit scripts.
//!
//! TestKit creates a manager with `NewBookmarkManager` / `NewAuthTokenManager` /
//! `NewBasicAuthTokenManager` / `NewBearerAuthTokenManager` and then refers to it by id in
//! `NewDriver`, `NewSession` and `ExecuteQuery`. The managers built here implement boltc's
//! [`BookmarkManager`] and [`AuthManager`] traits; where the test supplied a function (bookmark
//! supplier/consumer, `get_auth`, `handle_security_exception`, token providers), calling it means
//! sending TestKit a callback request (e.g. `AuthTokenManagerGetAuthRequest`) and blocking until
//! TestKit answers with the matching `...Completed` request (see [`Responder::call_back`]).
//!
//! Auth tokens travel back to TestKit in `AuthTokenManagerHandleSecurityExceptionRequest`, where
//! TestKit compares them field by field with the tokens it handed out; so every token received
//! from TestKit is remembered together with the JSON it came as ([`TokenMemory`]) and is sent
//! back in exactly that form.

use crate::connection::Responder;
use crate::registry::Table;
use crate::requests::{parse_auth, parse_client_certificate, AuthSpec};
use crate::responses;
use boltc::net::{ClientCert, ClientCertificateProvider};
use boltc::{
    AuthManager, AuthManagers, AuthToken, BookmarkManager, DefaultBookmarkManager, Error,
    ErrorKind, ExpiringAuth,
};
use serde_json::{json, Value as Json};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Auth tokens received from TestKit and the JSON each came as.
#[derive(Clone, Default)]
pub struct TokenMemory {
    tokens: Arc<Mutex<Vec<(AuthToken, Json)>>>,
}

impl TokenMemory {
    fn lock(&self) -> MutexGuard<'_, Vec<(AuthToken, Json)>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Converts a TestKit token and remembers its JSON form.
    pub fn token(&self, spec: &AuthSpec) -> AuthToken {
        let token = auth_token(spec);
        let mut tokens = self.lock();
        if !tokens.iter().any(|(t, _)| t == &token) {
            tokens.push((token.clone(), spec.raw.clone()));
        }
        token
    }

    /// The JSON TestKit sent for `token` (a bare `{scheme}` token if it never did).
    pub fn json(&self, token: &AuthToken) -> Json {
        self.lock()
            .iter()
            .find(|(t, _)| t == token)
            .map(|(_, j)| j.clone())
            .unwrap_or_else(
                || json!({"name": "AuthorizationToken", "data": {"scheme": token.scheme()}}),
            )
    }
}

/// The driver token for a TestKit `AuthorizationToken`.
pub fn auth_token(a: &AuthSpec) -> AuthToken {
    let principal = a.principal.clone().unwrap_or_default();
    let credentials = a.credentials.clone().unwrap_or_default();
    match a.scheme.as_str() {
        "basic" => match &a.realm {
            Some(realm) if !realm.is_empty() => {
                AuthToken::basic_with_realm(principal, credentials, realm.clone())
            }
            _ => AuthToken::basic(principal, credentials),
        },
        "bearer" => AuthToken::bearer(credentials),
        "kerberos" => AuthToken::kerberos(credentials),
        "none" => AuthToken::none(),
        scheme => AuthToken::custom(
            a.principal.clone(),
            a.credentials.clone(),
            a.realm.clone(),
            scheme,
            a.parameters.clone(),
        ),
    }
}

/// Which kind of auth manager TestKit asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// `NewAuthTokenManager`: both methods are TestKit callbacks.
    Custom,
    /// `NewBasicAuthTokenManager`: boltc's basic manager around a TestKit provider.
    Basic,
    /// `NewBearerAuthTokenManager`: boltc's bearer manager around a TestKit provider.
    Bearer,
}

/// The managers of one TestKit connection.
pub struct Managers {
    responder: Responder,
    tokens: TokenMemory,
    bookmarks: Table<Arc<dyn BookmarkManager>>,
    auth: Table<Arc<dyn AuthManager>>,
    certificates: Table<Arc<dyn ClientCertificateProvider>>,
}

fn gone() -> Error {
    Error::new(
        ErrorKind::IllegalState,
        "the TestKit connection closed before it answered a callback",
    )
}

impl Managers {
    pub fn new(responder: Responder) -> Managers {
        Managers {
            responder,
            tokens: TokenMemory::default(),
            bookmarks: Table::new("bookmark manager"),
            auth: Table::new("auth token manager"),
            certificates: Table::new("client certificate provider"),
        }
    }

    /// Converts (and remembers) a token TestKit sent.
    pub fn token(&self, spec: &AuthSpec) -> AuthToken {
        self.tokens.token(spec)
    }

    /// `NewBookmarkManager`: boltc's default manager, with TestKit's supplier and consumer.
    pub fn new_bookmark_manager(
        &mut self,
        id: String,
        initial: Vec<String>,
        supplier: bool,
        consumer: bool,
    ) -> Json {
        let manager = TestkitBookmarks {
            id: id.clone(),
            inner: DefaultBookmarkManager::new(initial),
            responder: self.responder.clone(),
            supplier,
            consumer,
        };
        self.bookmarks.insert(id.clone(), Arc::new(manager));
        responses::with_id("BookmarkManager", &id)
    }

    pub fn bookmark_manager(&self, id: &str) -> Result<Arc<dyn BookmarkManager>, String> {
        self.bookmarks.get(id).cloned()
    }

    pub fn close_bookmark_manager(&mut self, id: &str) -> Result<Json, String> {
        self.bookmarks.remove(id)?;
        Ok(responses::with_id("BookmarkManager", id))
    }

    /// `NewAuthTokenManager` / `NewBasicAuthTokenManager` / `NewBearerAuthTokenManager`.
    pub fn new_auth_manager(&mut self, id: String, kind: AuthKind) -> Json {
        let responder = self.responder.clone();
        let tokens = self.tokens.clone();
        let manager_id = id.clone();
        let (manager, name): (Arc<dyn AuthManager>, &str) = match kind {
            AuthKind::Custom => (
                Arc::new(TestkitAuth {
                    id: manager_id,
                    responder,
                    tokens,
                }),
                "AuthTokenManager",
            ),
            AuthKind::Basic => (
                AuthManagers::basic(move || {
                    let (_, data) = responder
                        .call_back(|cb| {
                            responses::response(
                                "BasicAuthTokenProviderRequest",
                                json!({"id": cb, "basicAuthTokenManagerId": manager_id}),
                            )
                        })
                        .ok_or_else(gone)?;
                    completed_token(&tokens, &data["auth"])
                }),
                "BasicAuthTokenManager",
            ),
            AuthKind::Bearer => (
                AuthManagers::bearer(move || {
                    let (_, data) = responder
                        .call_back(|cb| {
                            responses::response(
                                "BearerAuthTokenProviderRequest",
                                json!({"id": cb, "bearerAuthTokenManagerId": manager_id}),
                            )
                        })
                        .ok_or_else(gone)?;
                    let expiring = data["auth"].get("data").unwrap_or(&data["auth"]);
                    let token = completed_token(&tokens, &expiring["auth"])?;
                    let expires_at = expiring["expiresInMs"].as_i64().map(|ms| {
                        boltc::clock::now() + Duration::from_millis(ms.max(0).unsigned_abs())
                    });
                    Ok(ExpiringAuth { token, expires_at })
                }),
                "BearerAuthTokenManager",
            ),
        };
        self.auth.insert(id.clone(), manager);
        responses::with_id(name, &id)
    }

    pub fn auth_manager(&self, id: &str) -> Result<Arc<dyn AuthManager>, String> {
        self.auth.get(id).cloned()
    }

    pub fn close_auth_manager(&mut self, id: &str) -> Result<Json, String> {
        self.auth.remove(id)?;
        Ok(responses::with_id("AuthTokenManager", id))
    }

    /// `NewClientCertificateProvider`: a provider that asks TestKit
    /// (`ClientCertificateProviderRequest`) before every new connection.
    pub fn new_certificate_provider(&mut self, id: String) -> Json {
        let provider = TestkitCertificates {
            id: id.clone(),
            responder: self.responder.clone(),
        };
        self.certificates.insert(id.clone(), Arc::new(provider));
        responses::with_id("ClientCertificateProvider", &id)
    }

    pub fn certificate_provider(
        &self,
        id: &str,
    ) -> Result<Arc<dyn ClientCertificateProvider>, String> {
        self.certificates.get(id).cloned()
    }

    pub fn close_certificate_provider(&mut self, id: &str) -> Result<Json, String> {
        self.certificates.remove(id)?;
        Ok(responses::with_id("ClientCertificateProvider", id))
    }
}

/// The token in a `...Completed` answer.
fn completed_token(tokens: &TokenMemory, auth: &Json) -> boltc::Result<AuthToken> {
    let spec = parse_auth(auth).map_err(|e| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("TestKit sent a bad token: {e}"),
        )
    })?;
    Ok(tokens.token(&spec))
}

/// boltc's default bookmark manager, plus TestKit's supplier (extra bookmarks for every
/// transaction) and consumer (told the new bookmark set after each update).
struct TestkitBookmarks {
    id: String,
    inner: DefaultBookmarkManager,
    responder: Responder,
    supplier: bool,
    consumer: bool,
}

impl BookmarkManager for TestkitBookmarks {
    fn get_bookmarks(&self) -> Vec<String> {
        let mut bookmarks = self.inner.get_bookmarks();
        if self.supplier {
            let answer = self.responder.call_back(|cb| {
                responses::response(
                    "BookmarksSupplierRequest",
                    json!({"id": cb, "bookmarkManagerId": self.id}),
                )
            });
            if let Some((_, data)) = answer {
                for b in data["bookmarks"].as_array().into_iter().flatten() {
                    if let Some(b) = b.as_str() {
                        if !bookmarks.iter().any(|x| x == b) {
                            bookmarks.push(b.to_owned());
                        }
                    }
                }
            }
        }
        bookmarks
    }

    fn update_bookmarks(&self, previous: &[String], new: &[String]) {
        if new.is_empty() {
            return;
        }
        self.inner.update_bookmarks(previous, new);
        if self.consumer {
            let bookmarks = self.inner.get_bookmarks();
            let _ = self.responder.call_back(|cb| {
                responses::response(
                    "BookmarksConsumerRequest",
                    json!({"id": cb, "bookmarkManagerId": self.id, "bookmarks": bookmarks}),
                )
            });
        }
    }
}

/// An auth manager whose two methods TestKit implements.
/// A client certificate provider whose answers come from TestKit.
struct TestkitCertificates {
    id: String,
    responder: Responder,
}

impl ClientCertificateProvider for TestkitCertificates {
    fn get_certificate(&self) -> boltc::Result<Option<ClientCert>> {
        let (_, data) = self
            .responder
            .call_back(|cb| {
                responses::response(
                    "ClientCertificateProviderRequest",
                    json!({"id": cb, "clientCertificateProviderId": self.id}),
                )
            })
            .ok_or_else(gone)?;
        if data["hasUpdate"].as_bool() != Some(true) {
            return Ok(None);
        }
        let cert = parse_client_certificate(&data["clientCertificate"]).map_err(|e| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("TestKit sent a bad client certificate: {e}"),
            )
        })?;
        Ok(Some(cert.to_boltc()))
    }
}

struct TestkitAuth {
    id: String,
    responder: Responder,
    tokens: TokenMemory,
}

impl AuthManager for TestkitAuth {
    fn get_auth(&self) -> boltc::Result<AuthToken> {
        let (_, data) = self
            .responder
            .call_back(|cb| {
                responses::response(
                    "AuthTokenManagerGetAuthRequest",
                    json!({"id": cb, "authTokenManagerId": self.id}),
                )
            })
            .ok_or_else(gone)?;
        completed_token(&self.tokens, &data["auth"])
    }

    fn handle_security_error(&self, auth: &AuthToken, error: &Error) -> bool {
        let answer = self.responder.call_back(|cb| {
            responses::response(
                "AuthTokenManagerHandleSecurityExceptionRequest",
                json!({
                    "id": cb,
                    "authTokenManagerId": self.id,
                    "auth": self.tokens.json(auth),
                    "errorCode": error.server_code().unwrap_or(""),
                }),
            )
        });
        answer.is_some_and(|(_, data)| data["handled"].as_bool() == Some(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_go_back_as_they_came() {
        let raw = json!({"name": "AuthorizationToken",
            "data": {"scheme": "basic", "principal": "p", "credentials": "c"}});
        let memory = TokenMemory::default();
        let token = memory.token(&parse_auth(&raw).unwrap());
        assert_eq!(token, AuthToken::basic("p", "c"));
        assert_eq!(memory.json(&token), raw);
        let other = AuthToken::bearer("x");
        assert_eq!(memory.json(&other)["data"]["scheme"], "bearer");
    }
}

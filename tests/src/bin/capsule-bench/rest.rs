//! The REST calls the benchmark makes: signing in, creating the accounts
//! and the channel, and sending a message.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// A signed-in user: the `X-User-Id` and `X-Auth-Token` of every request,
/// and the resume token of a DDP login.
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: String,
    pub token: String,
}

/// A keep-alive HTTP client of one server.
#[derive(Clone)]
pub struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    /// A client with its own connection (pool), as each sender has.
    pub fn new(addr: SocketAddr) -> Result<Api> {
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(30))
            .build()
            .context("building an HTTP client")?;
        Ok(Api {
            base: format!("http://{addr}"),
            client,
        })
    }

    /// `POST path` with `body`, as `session` when given; the answer's JSON,
    /// or an error naming the call when it is not a success.
    async fn post(&self, path: &str, session: Option<&Session>, body: &Value) -> Result<Value> {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(session) = session {
            request = request
                .header("X-User-Id", &session.user_id)
                .header("X-Auth-Token", &session.token);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        let status = response.status();
        let answer: Value = response
            .json()
            .await
            .with_context(|| format!("POST {path} answered {status} without JSON"))?;
        if !status.is_success() || answer["success"] == false {
            bail!("POST {path} answered {status}: {answer:.300}");
        }
        Ok(answer)
    }

    /// Signs in with a password.
    pub async fn login(&self, user: &str, password: &str) -> Result<Session> {
        let answer = self
            .post(
                "/api/v1/login",
                None,
                &json!({"user": user, "password": password}),
            )
            .await?;
        session_of(&answer["data"])
    }

    /// Creates an account (as `admin`) that joins no default channel, and
    /// issues a login token for it (no second password hash).
    pub async fn create_user(&self, admin: &Session, username: &str) -> Result<Session> {
        self.post(
            "/api/v1/users.create",
            Some(admin),
            &json!({
                "username": username,
                "name": username,
                "email": format!("{username}@bench.invalid"),
                "password": format!("{username}-password"),
                "verified": true,
                "joinDefaultChannels": false,
            }),
        )
        .await?;
        let answer = self
            .post(
                "/api/v1/users.createToken",
                Some(admin),
                &json!({"username": username}),
            )
            .await?;
        session_of(&answer["data"])
    }

    /// Creates a public channel with these members; its id.
    pub async fn create_channel(
        &self,
        admin: &Session,
        name: &str,
        members: &[String],
    ) -> Result<String> {
        let answer = self
            .post(
                "/api/v1/channels.create",
                Some(admin),
                &json!({"name": name, "members": members}),
            )
            .await?;
        answer["channel"]["_id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("channels.create answered without a room id: {answer:.300}"))
    }

    /// Sends a message with a client-chosen id through `chat.sendMessage`;
    /// the message as stored.
    pub async fn send_message(
        &self,
        session: &Session,
        room: &str,
        id: &str,
        text: &str,
    ) -> Result<Value> {
        let mut answer = self
            .post(
                "/api/v1/chat.sendMessage",
                Some(session),
                &json!({"message": {"_id": id, "rid": room, "msg": text}}),
            )
            .await?;
        Ok(answer["message"].take())
    }
}

fn session_of(data: &Value) -> Result<Session> {
    match (data["userId"].as_str(), data["authToken"].as_str()) {
        (Some(user_id), Some(token)) => Ok(Session {
            user_id: user_id.into(),
            token: token.into(),
        }),
        _ => bail!("a login answer without userId and authToken: {data:.300}"),
    }
}

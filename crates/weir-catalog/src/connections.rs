//! Connections: Create, Get (HidePassword), GetConnections (filters), Update, Delete,
//! BatchDeleteConnection.
//!
//! Secret values never reach the metastore in clear: password-like `ConnectionProperties` and
//! the credential parts of `AuthenticationConfiguration` are split off the document, sealed with
//! the [`crate::SecretBox`] and stored apart. `GetConnection` merges the passwords back unless
//! `HidePassword` is true; credentials are write-only (the output shape has no member for them).

use serde_json::{json, Map, Value};
use weir_metastore::connections::{self, ConnectionRow};
use weir_metastore::{tags, Tx};
use weir_model::{GlueError, Result};

use crate::request::{listing, take_page, Req};
use crate::{error_detail, Catalog};

/// Whether a connection property holds a secret (any `*PASSWORD`, `*_SECRET`, `SECRET_KEY`…).
fn is_secret_property(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    k.ends_with("PASSWORD")
        || k.ends_with("_SECRET")
        || k == "SECRET_KEY"
        || k.ends_with("SECRET_ACCESS_KEY")
}

/// Credential members of `AuthenticationConfigurationInput`.
const CREDENTIAL_MEMBERS: &[&str] = &[
    "BasicAuthenticationCredentials",
    "CustomAuthenticationCredentials",
];

/// Splits a `ConnectionInput` into the stored document and its secret parts.
fn split_secrets(input: &Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
    let mut doc = input.clone();
    doc.remove("ValidateCredentials");
    doc.remove("ValidateForComputeEnvironments");
    let mut secrets = Map::new();
    if let Some(props) = doc
        .get_mut("ConnectionProperties")
        .and_then(Value::as_object_mut)
    {
        let keys: Vec<String> = props
            .keys()
            .filter(|k| is_secret_property(k))
            .cloned()
            .collect();
        let mut sealed = Map::new();
        for k in keys {
            if let Some(v) = props.remove(&k) {
                sealed.insert(k, v);
            }
        }
        if !sealed.is_empty() {
            secrets.insert("ConnectionProperties".into(), Value::Object(sealed));
        }
    }
    if let Some(auth) = doc
        .get_mut("AuthenticationConfiguration")
        .and_then(Value::as_object_mut)
    {
        let mut sealed = Map::new();
        for member in CREDENTIAL_MEMBERS {
            if let Some(v) = auth.remove(*member) {
                sealed.insert((*member).into(), v);
            }
        }
        if let Some(creds) = auth
            .get_mut("OAuth2Properties")
            .and_then(Value::as_object_mut)
            .and_then(|o| o.remove("OAuth2Credentials"))
        {
            sealed.insert("OAuth2Credentials".into(), creds);
        }
        if !sealed.is_empty() {
            secrets.insert("AuthenticationConfiguration".into(), Value::Object(sealed));
        }
    }
    (doc, secrets)
}

fn not_found(name: &str) -> GlueError {
    GlueError::not_found(format!("Connection {name} not found."))
}

impl Catalog {
    fn seal_connection(
        &self,
        input: &Map<String, Value>,
        creation_time: f64,
    ) -> Result<(String, Value, Option<String>)> {
        let name = input
            .get("Name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let (mut doc, secrets) = split_secrets(input);
        doc.insert("CreationTime".into(), json!(creation_time));
        doc.insert("LastUpdatedTime".into(), json!(self.now()));
        doc.insert("Status".into(), json!("READY"));
        doc.insert("ConnectionSchemaVersion".into(), json!(1));
        let sealed = if secrets.is_empty() {
            None
        } else {
            Some(self.secrets.seal(&Value::Object(secrets).to_string())?)
        };
        Ok((name, Value::Object(doc), sealed))
    }

    /// The `Connection` output shape, with passwords unless `hide_password`.
    fn connection_out(&self, row: ConnectionRow, hide_password: bool) -> Result<Value> {
        let mut doc = row.doc;
        if let (false, Some(sealed)) = (hide_password, &row.secrets) {
            let secrets: Value =
                serde_json::from_str(&self.secrets.open(sealed)?).map_err(|e| {
                    GlueError::internal(format!("connection {} secrets: {e}", row.name))
                })?;
            if let Some(props) = secrets
                .get("ConnectionProperties")
                .and_then(Value::as_object)
            {
                let target = doc
                    .as_object_mut()
                    .map(|d| d.entry("ConnectionProperties").or_insert_with(|| json!({})));
                if let Some(Value::Object(target)) = target {
                    target.extend(props.clone());
                }
            }
        }
        Ok(doc)
    }

    pub(crate) async fn create_connection(&self, req: Req<'_>) -> Result<Value> {
        let (name, doc, sealed) =
            self.seal_connection(req.object("ConnectionInput")?, self.now())?;
        let mut tx = self.write().await?;
        if connections::get(&mut tx, &name).await?.is_some() {
            return Err(GlueError::already_exists(format!(
                "Connection {name} already exists."
            )));
        }
        connections::insert(&mut tx, &name, &doc, sealed.as_deref()).await?;
        if let Some(t) = req.get("Tags").and_then(Value::as_object) {
            self.put_tags(&mut tx, &self.connection_arn(&name), t)
                .await?;
        }
        tx.commit().await?;
        Ok(json!({ "CreateConnectionStatus": "READY" }))
    }

    pub(crate) async fn get_connection(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.read().await?;
        let row = connections::get(&mut tx, name)
            .await?
            .ok_or_else(|| not_found(name))?;
        Ok(json!({ "Connection": self.connection_out(row, req.bool("HidePassword"))? }))
    }

    pub(crate) async fn get_connections(&self, req: Req<'_>) -> Result<Value> {
        let limit = req.page_size(1000);
        let token = req.next_token()?;
        let filter = req.get("Filter").map(Req);
        let hide = req.bool("HidePassword");
        let mut tx = self.read().await?;
        let mut rows = connections::list(&mut tx, token.as_ref().and_then(Value::as_str)).await?;
        if let Some(f) = filter {
            let criteria = f.strings("MatchCriteria");
            let ctype = f.opt_str("ConnectionType");
            rows.retain(|r| {
                let own = crate::request::strings(r.doc.get("MatchCriteria"));
                criteria.iter().all(|c| own.contains(c))
                    && ctype.is_none_or(|t| {
                        r.doc.get("ConnectionType").and_then(Value::as_str) == Some(t)
                    })
            });
        }
        let (rows, next) = take_page(rows, limit, |r| json!(r.name));
        let list = rows
            .into_iter()
            .map(|r| self.connection_out(r, hide))
            .collect::<Result<Vec<_>>>()?;
        Ok(listing("ConnectionList", list, next))
    }

    pub(crate) async fn update_connection(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.write().await?;
        let current = connections::get(&mut tx, name)
            .await?
            .ok_or_else(|| not_found(name))?;
        let creation_time = current
            .doc
            .get("CreationTime")
            .and_then(Value::as_f64)
            .unwrap_or_default();
        let (new_name, doc, sealed) =
            self.seal_connection(req.object("ConnectionInput")?, creation_time)?;
        if new_name != name && connections::get(&mut tx, &new_name).await?.is_some() {
            return Err(GlueError::already_exists(format!(
                "Connection {new_name} already exists."
            )));
        }
        connections::update(&mut tx, name, &new_name, &doc, sealed.as_deref()).await?;
        if new_name != name {
            tags::remove_resource(&mut tx, &self.connection_arn(name)).await?;
        }
        tx.commit().await?;
        Ok(json!({}))
    }

    async fn remove_connection(&self, tx: &mut Tx, name: &str) -> Result<()> {
        if !connections::delete(tx, name).await? {
            return Err(not_found(name));
        }
        tags::remove_resource(tx, &self.connection_arn(name)).await?;
        Ok(())
    }

    pub(crate) async fn delete_connection(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        self.remove_connection(&mut tx, req.str("ConnectionName")?)
            .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn batch_delete_connection(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let mut succeeded = Vec::new();
        let mut errors = Map::new();
        for name in req.strings("ConnectionNameList") {
            match self.remove_connection(&mut tx, &name).await {
                Ok(()) => succeeded.push(name),
                Err(e) => {
                    errors.insert(name, error_detail(&e));
                }
            }
        }
        tx.commit().await?;
        Ok(json!({ "Succeeded": succeeded, "Errors": errors }))
    }
}

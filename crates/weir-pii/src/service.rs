//! The sensitive data service: the Glue custom entity type API over the metastore —
//! CreateCustomEntityType (the expression must compile and the name must not be a managed
//! type's), GetCustomEntityType, BatchGetCustomEntityTypes, ListCustomEntityTypes,
//! DeleteCustomEntityType. A type is stored as its `CustomEntityType` shape; its tags are kept
//! on `customEntityType/NAME`.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use weir_catalog::request::{batch_get, insert_tagged, listing, named_page, Req};
use weir_catalog::CatalogIdentity;
use weir_metastore::custom_entity_types::CUSTOM_ENTITY_TYPES;
use weir_metastore::{tags, Metastore};
use weir_model::{ErrorKind, GlueError, Result};

use crate::custom::CustomEntityType;

/// The largest page of ListCustomEntityTypes.
const PAGE: usize = 1000;

/// Every operation [`PiiService::call`] serves.
pub const OPERATIONS: &[&str] = &[
    "CreateCustomEntityType",
    "GetCustomEntityType",
    "BatchGetCustomEntityTypes",
    "ListCustomEntityTypes",
    "DeleteCustomEntityType",
];

/// The sensitive data service.
#[derive(Clone)]
pub struct PiiService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Metastore,
    identity: CatalogIdentity,
}

impl PiiService {
    pub fn new(store: Metastore, identity: CatalogIdentity) -> Self {
        Self {
            inner: Arc::new(Inner { store, identity }),
        }
    }

    /// Whether this service implements the operation.
    pub fn serves(operation: &str) -> bool {
        OPERATIONS.contains(&operation)
    }

    /// Serves one Glue operation (the body validated against the model already).
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value> {
        let req = Req(body);
        match operation {
            "CreateCustomEntityType" => self.create(req).await,
            "GetCustomEntityType" => self.get(req).await,
            "BatchGetCustomEntityTypes" => self.batch_get(req).await,
            "ListCustomEntityTypes" => self.list(req).await,
            "DeleteCustomEntityType" => self.delete(req).await,
            other => Err(GlueError::new(
                ErrorKind::UnknownOperation,
                format!("Operation {other} is not served by Weir's sensitive data service"),
            )),
        }
    }

    /// A custom entity type's ARN, under which its tags are kept.
    pub fn arn(&self, name: &str) -> String {
        format!(
            "arn:aws:glue:{}:{}:customEntityType/{name}",
            self.inner.identity.region, self.inner.identity.account_id
        )
    }

    async fn create(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let regex = req.str("RegexString")?;
        let words = req.strings("ContextWords");
        CustomEntityType::new(name, regex)
            .with_context_words(words.clone())
            .validate()
            .map_err(|e| GlueError::invalid_input(e.to_string()))?;
        let mut doc = Map::new();
        doc.insert("Name".into(), json!(name));
        doc.insert("RegexString".into(), json!(regex));
        if req.get("ContextWords").is_some() {
            doc.insert("ContextWords".into(), json!(words));
        }
        let mut tx = self.inner.store.write().await?;
        let arn = self.arn(name);
        insert_tagged(
            &mut tx,
            CUSTOM_ENTITY_TYPES,
            name,
            &Value::Object(doc),
            (&arn, req.get("Tags")),
            || format!("A custom entity type named {name} already exists"),
        )
        .await?;
        tx.commit().await?;
        Ok(json!({ "Name": name }))
    }

    async fn get(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.inner.store.read().await?;
        CUSTOM_ENTITY_TYPES
            .get(&mut tx, name)
            .await?
            .ok_or_else(|| not_found(name))
    }

    async fn batch_get(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.inner.store.read().await?;
        let (found, missing) =
            batch_get(&mut tx, CUSTOM_ENTITY_TYPES, &req.strings("Names")).await?;
        Ok(json!({ "CustomEntityTypes": found, "CustomEntityTypesNotFound": missing }))
    }

    async fn list(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.inner.store.read().await?;
        let (page, next) = named_page(
            &mut tx,
            CUSTOM_ENTITY_TYPES,
            req,
            PAGE,
            req.tag_filter(),
            |n| self.arn(n),
        )
        .await?;
        let types = page.into_iter().map(|(_, doc)| doc).collect();
        Ok(listing("CustomEntityTypes", types, next))
    }

    /// Deletes the type and its tags.
    async fn delete(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.inner.store.write().await?;
        if !CUSTOM_ENTITY_TYPES.delete(&mut tx, name).await? {
            return Err(not_found(name));
        }
        tags::remove_all(&mut tx, &self.arn(name)).await?;
        tx.commit().await?;
        Ok(json!({ "Name": name }))
    }
}

fn not_found(name: &str) -> GlueError {
    GlueError::not_found(format!("Custom entity type {name} not found"))
}

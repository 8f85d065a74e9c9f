//! The tamper-evident audit trail: writing rows in the caller's transaction,
//! listing them, and verifying each organisation's hash chain.
//!
//! Each organisation's rows form one chain (`chain_key` = its id; events of no
//! organisation go to the `global` chain). A row stores its `seq` in the
//! chain, the previous row's hash, and an HMAC-SHA256 keyed with the server
//! secret over its content and that previous hash, so a database user who
//! edits, removes or inserts a row cannot produce a consistent chain.
//! `audit_chain_heads` holds each chain's newest seq and hash; a writer
//! updates that row first, which serialises writers of one chain (PostgreSQL
//! row lock, SQLite's single writer), so concurrent changes still form one
//! unbroken chain.

use std::collections::BTreeMap;

use chrono::{DateTime, SubsecRound, Utc};
use cmmc_domain::access::Action;
use cmmc_store::entities::{audit_chain_heads, audit_log};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::Value as Json;
use sha2::Sha256;
use uuid::Uuid;

use crate::keys::{Keys, hex};
use crate::{Actor, ServiceError, Services};

/// The chain of events that belong to no organisation.
pub const GLOBAL_CHAIN: &str = "global";

/// One change to record.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// What happened, `resource.verb`: `assessment.create`, `auth.login_failed`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    /// The fields changed, before and after; never a secret.
    pub details: Json,
}

impl AuditEvent {
    #[must_use]
    pub fn new(
        action: &str,
        resource_type: &str,
        resource_id: Option<&str>,
        details: Json,
    ) -> Self {
        Self {
            action: action.to_owned(),
            resource_type: resource_type.to_owned(),
            resource_id: resource_id.map(str::to_owned),
            details,
        }
    }
}

/// Who made a change, as the audit trail records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    pub user_id: Option<String>,
    pub ip_address: Option<String>,
}

impl From<&Actor> for Author {
    fn from(actor: &Actor) -> Self {
        Self { user_id: Some(actor.user_id.clone()), ip_address: actor.ip_address.clone() }
    }
}

/// Begins a transaction for a change. On SQLite it takes the write lock at
/// once (a transaction that reads first and writes later fails when another
/// writer committed in between); the statement also makes sure the global
/// chain has a head row.
///
/// # Errors
/// Any database error.
pub(crate) async fn begin_write(
    db: &DatabaseConnection,
    keys: &Keys,
) -> Result<DatabaseTransaction, ServiceError> {
    let txn = db.begin().await?;
    ensure_head(&txn, keys, GLOBAL_CHAIN, Utc::now()).await?;
    Ok(txn)
}

/// Whether the global chain's head (if any) was sealed with these keys: a
/// database written before fingerprints were kept is recognised by it.
pub(crate) async fn global_head_matches(
    db: &DatabaseConnection,
    keys: &Keys,
) -> Result<bool, sea_orm::DbErr> {
    let head = audit_chain_heads::Entity::find_by_id(GLOBAL_CHAIN.to_owned()).one(db).await?;
    Ok(head.is_none_or(|head| {
        head.mac == head_mac(&keys.audit, &head.chain_key, head.seq, head.hash.as_deref())
    }))
}

/// The HMAC that seals a chain's head.
fn head_mac(key: &[u8; 32], chain_key: &str, seq: i64, hash: Option<&str>) -> String {
    let content = Json::Array(vec![
        Json::from("head"),
        Json::from(chain_key),
        Json::from(seq),
        Json::from(hash),
    ]);
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return String::new() };
    mac.update(content.to_string().as_bytes());
    hex(&mac.finalize().into_bytes())
}

async fn ensure_head<C: ConnectionTrait>(
    db: &C,
    keys: &Keys,
    chain_key: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let head = audit_chain_heads::ActiveModel {
        chain_key: Set(chain_key.to_owned()),
        seq: Set(0),
        hash: Set(None),
        mac: Set(head_mac(&keys.audit, chain_key, 0, None)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    audit_chain_heads::Entity::insert(head)
        .on_conflict(
            OnConflict::column(audit_chain_heads::Column::ChainKey).do_nothing().to_owned(),
        )
        .do_nothing()
        .exec(db)
        .await?;
    Ok(())
}

/// Serialises JSON with object keys sorted, so the same value always hashes
/// the same, whatever order a backend stores keys in.
fn canonical_json(value: &Json) -> String {
    fn sorted(value: &Json) -> Json {
        match value {
            Json::Object(map) => {
                let ordered: BTreeMap<&String, Json> =
                    map.iter().map(|(k, v)| (k, sorted(v))).collect();
                Json::Object(ordered.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            Json::Array(items) => Json::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// The HMAC of a row over its content and the previous row's hash.
fn row_hash(key: &[u8; 32], row: &audit_log::Model) -> String {
    let content = Json::Array(vec![
        Json::from(row.prev_hash.clone()),
        Json::from(row.seq),
        Json::from(row.chain_key.clone()),
        Json::from(row.id.clone()),
        Json::from(row.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        Json::from(row.user_id.clone()),
        Json::from(row.org_id.clone()),
        Json::from(row.action.clone()),
        Json::from(row.resource_type.clone()),
        Json::from(row.resource_id.clone()),
        Json::from(row.details.as_ref().map(canonical_json)),
        Json::from(row.ip_address.clone()),
    ]);
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return String::new() };
    mac.update(content.to_string().as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Writes one audit row in `txn`, the transaction of the change it records:
/// if the change fails, so does the row, and if the row fails, so does the change.
///
/// # Errors
/// Any database error.
pub(crate) async fn record<C: ConnectionTrait>(
    txn: &C,
    keys: &Keys,
    author: &Author,
    org_id: Option<&str>,
    event: AuditEvent,
) -> Result<(), ServiceError> {
    let now = Utc::now().trunc_subsecs(6);
    let chain_key = org_id.unwrap_or(GLOBAL_CHAIN).to_owned();
    ensure_head(txn, keys, &chain_key, now).await?;
    // Claim the next seq; this locks the chain's head row until commit.
    audit_chain_heads::Entity::update_many()
        .col_expr(audit_chain_heads::Column::Seq, Expr::col(audit_chain_heads::Column::Seq).add(1))
        .filter(audit_chain_heads::Column::ChainKey.eq(&chain_key))
        .exec(txn)
        .await?;
    let head = audit_chain_heads::Entity::find_by_id(chain_key.clone())
        .one(txn)
        .await?
        .ok_or_else(|| anyhow::format_err!("audit chain head {chain_key} vanished"))?;
    let mut row = audit_log::Model {
        id: Uuid::new_v4().to_string(),
        user_id: author.user_id.clone(),
        org_id: org_id.map(str::to_owned),
        action: event.action,
        resource_type: event.resource_type,
        resource_id: event.resource_id,
        details: Some(event.details),
        ip_address: author.ip_address.clone(),
        chain_key: chain_key.clone(),
        seq: head.seq,
        prev_hash: head.hash,
        hash: String::new(),
        created_at: now,
        updated_at: now,
    };
    row.hash = row_hash(&keys.audit, &row);
    let hash = row.hash.clone();
    audit_log::Entity::insert(audit_log::ActiveModel::from(row))
        .exec_without_returning(txn)
        .await?;
    audit_chain_heads::Entity::update_many()
        .col_expr(
            audit_chain_heads::Column::Mac,
            Expr::value(head_mac(&keys.audit, &chain_key, head.seq, Some(&hash))),
        )
        .col_expr(audit_chain_heads::Column::Hash, Expr::value(hash))
        .col_expr(audit_chain_heads::Column::UpdatedAt, Expr::value(now))
        .filter(audit_chain_heads::Column::ChainKey.eq(&chain_key))
        .exec(txn)
        .await?;
    Ok(())
}

/// Which audit rows to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// A system administrator may name an organisation; others see their own.
    pub org_id: Option<String>,
    pub user_id: Option<String>,
    pub action: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// 1-based.
    pub page: crate::Page,
}

/// One audit row, as callers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: String,
    pub user_id: Option<String>,
    pub org_id: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub details: Option<Json>,
    pub ip_address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub seq: i64,
    pub hash: String,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(row: audit_log::Model) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            org_id: row.org_id,
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            details: row.details,
            ip_address: row.ip_address,
            created_at: row.created_at,
            seq: row.seq,
            hash: row.hash,
        }
    }
}

/// One page of audit rows, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// The result of walking the chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub valid: bool,
    pub checked: u64,
    /// The first row that was changed, inserted out of order, or follows a removed row.
    pub first_invalid_id: Option<String>,
    /// What is wrong, when something is.
    pub problem: Option<String>,
}

impl Services {
    /// Lists audit rows of the actor's organisation (a system administrator:
    /// of every organisation, or of `filter.org_id`), newest first.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] without `audit.read`; a bad page size.
    pub async fn list_audit(
        &self,
        actor: &Actor,
        filter: AuditFilter,
    ) -> Result<AuditPage, ServiceError> {
        actor.require(Action::AuditRead)?;
        let Some(mut query) = actor
            .visible_orgs(filter.org_id.as_deref())
            .scope(audit_log::Entity::find(), audit_log::Column::OrgId)
        else {
            return Ok(AuditPage {
                items: Vec::new(),
                total: 0,
                page: filter.page.number(),
                per_page: filter.page.per_page(),
            });
        };
        if let Some(user_id) = filter.user_id {
            query = query.filter(audit_log::Column::UserId.eq(user_id));
        }
        if let Some(action) = filter.action {
            query = query.filter(audit_log::Column::Action.eq(action));
        }
        if let Some(resource_type) = filter.resource_type {
            query = query.filter(audit_log::Column::ResourceType.eq(resource_type));
        }
        if let Some(resource_id) = filter.resource_id {
            query = query.filter(audit_log::Column::ResourceId.eq(resource_id));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_log::Column::CreatedAt.gte(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(audit_log::Column::CreatedAt.lt(to));
        }
        let total = query.clone().count(&self.db).await?;
        let items = query
            .order_by_desc(audit_log::Column::CreatedAt)
            .order_by_desc(audit_log::Column::Seq)
            .offset(filter.page.offset())
            .limit(filter.page.per_page())
            .all(&self.db)
            .await?
            .into_iter()
            .map(AuditEntry::from)
            .collect();
        Ok(AuditPage { items, total, page: filter.page.number(), per_page: filter.page.per_page() })
    }

    /// Walks the hash chain of the actor's organisation (a system
    /// administrator: of `org_id`, or of every chain) and reports the first
    /// row that does not fit.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] without `audit.read`.
    pub async fn verify_audit(
        &self,
        actor: &Actor,
        org_id: Option<String>,
    ) -> Result<Verification, ServiceError> {
        // Another organisation's trail is not there for this caller: 404,
        // before any role check, as everywhere.
        if !actor.is_system_admin()
            && org_id.as_ref().is_some_and(|org| actor.org_id.as_ref() != Some(org))
        {
            return Err(ServiceError::not_found("organization"));
        }
        actor.require(Action::AuditRead)?;
        let chains: Vec<String> = if actor.is_system_admin() {
            match org_id {
                Some(org_id) => vec![org_id],
                None => audit_chain_heads::Entity::find()
                    .order_by_asc(audit_chain_heads::Column::ChainKey)
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|head| head.chain_key)
                    .collect(),
            }
        } else {
            let own = actor
                .org_id
                .clone()
                .ok_or_else(|| ServiceError::Forbidden { action: "audit.read".into() })?;
            if org_id.as_ref().is_some_and(|org| *org != own) {
                return Err(ServiceError::not_found("organization"));
            }
            vec![own]
        };
        let mut checked = 0;
        for chain_key in chains {
            let res = self.verify_chain(&chain_key, &mut checked).await?;
            if let Some((first_invalid_id, problem)) = res {
                return Ok(Verification {
                    valid: false,
                    checked,
                    first_invalid_id,
                    problem: Some(problem),
                });
            }
        }
        Ok(Verification { valid: true, checked, first_invalid_id: None, problem: None })
    }

    /// Checks one chain; `Some((row id, problem))` at the first fault.
    async fn verify_chain(
        &self,
        chain_key: &str,
        checked: &mut u64,
    ) -> Result<Option<(Option<String>, String)>, ServiceError> {
        // The head first: rows written after it are not this walk's business,
        // and a head that does not carry its own seal was rewritten.
        let head =
            audit_chain_heads::Entity::find_by_id(chain_key.to_owned()).one(&self.db).await?;
        let (head_seq, head_hash) = match sealed_head(&self.keys.audit, chain_key, head) {
            Ok(sealed) => sealed,
            Err(problem) => return Ok(Some((None, problem))),
        };
        let mut walk = ChainWalk { expected_seq: 1, prev_hash: None, last_id: None };
        loop {
            let rows = self.chain_rows(chain_key, walk.expected_seq, head_seq).await?;
            let n_rows = rows.len();
            for row in rows {
                *checked += 1;
                if let Some(problem) = walk.fault(&self.keys.audit, chain_key, &row) {
                    return Ok(Some((Some(row.id), problem)));
                }
                walk.advance(row);
            }
            if (n_rows as u64) < VERIFY_BATCH {
                break;
            }
        }
        Ok(walk.end_fault(chain_key, head_seq, head_hash))
    }

    /// The next batch of `chain_key`'s rows, from seq `from` up to the head's
    /// `head_seq`, in seq order.
    async fn chain_rows(
        &self,
        chain_key: &str,
        from: i64,
        head_seq: i64,
    ) -> Result<Vec<audit_log::Model>, ServiceError> {
        Ok(audit_log::Entity::find()
            .filter(audit_log::Column::ChainKey.eq(chain_key))
            .filter(audit_log::Column::Seq.gte(from))
            .filter(audit_log::Column::Seq.lte(head_seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(VERIFY_BATCH)
            .all(&self.db)
            .await?)
    }
}

/// How many rows a chain walk reads at a time.
const VERIFY_BATCH: u64 = 1000;

/// The seq and hash a chain's head vouches for (an empty chain without a
/// head: none), or the problem when the head does not carry its own seal.
fn sealed_head(
    key: &[u8; 32],
    chain_key: &str,
    head: Option<audit_chain_heads::Model>,
) -> Result<(i64, Option<String>), String> {
    match head {
        Some(head) if head.mac == head_mac(key, chain_key, head.seq, head.hash.as_deref()) => {
            Ok((head.seq, head.hash))
        }
        Some(_) => Err(format!("chain {chain_key}: its head was altered")),
        None => Ok((0, None)),
    }
}

/// How far a walk along one chain has got.
struct ChainWalk {
    /// The seq the next row must have.
    expected_seq: i64,
    /// The hash of the last row checked.
    prev_hash: Option<String>,
    /// The id of the last row checked.
    last_id: Option<String>,
}

impl ChainWalk {
    /// What is wrong with `row` as the next row of the chain, if anything.
    fn fault(&self, key: &[u8; 32], chain_key: &str, row: &audit_log::Model) -> Option<String> {
        let expected_seq = self.expected_seq;
        if row.seq != expected_seq {
            return Some(format!(
                "chain {chain_key}: row {} has seq {} where {expected_seq} was expected (a row was removed)",
                row.id, row.seq
            ));
        }
        if row.prev_hash != self.prev_hash {
            return Some(format!(
                "chain {chain_key}: row {} does not follow the row before it",
                row.id
            ));
        }
        if row_hash(key, row) != row.hash {
            return Some(format!(
                "chain {chain_key}: row {} was changed after it was written",
                row.id
            ));
        }
        None
    }

    /// Moves past `row`, which fits.
    fn advance(&mut self, row: audit_log::Model) {
        self.expected_seq += 1;
        self.prev_hash = Some(row.hash);
        self.last_id = Some(row.id);
    }

    /// The fault when the walk did not end where the head says the chain
    /// ends: `Some((last row id, problem))`.
    fn end_fault(
        self,
        chain_key: &str,
        head_seq: i64,
        head_hash: Option<String>,
    ) -> Option<(Option<String>, String)> {
        if head_seq != self.expected_seq - 1 || head_hash != self.prev_hash {
            let problem = format!(
                "chain {chain_key}: it ends at seq {} but {head_seq} rows were written (the newest rows were removed)",
                self.expected_seq - 1
            );
            return Some((self.last_id, problem));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let a: Json =
            serde_json::from_str(r#"{"b": 1, "a": {"d": [1, {"z": 0, "y": 1}], "c": null}}"#)
                .unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"c":null,"d":[1,{"y":1,"z":0}]},"b":1}"#);
    }

    fn row() -> audit_log::Model {
        // A fixed time: the same row must hash the same.
        let now = DateTime::parse_from_rfc3339("2026-11-23T08:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        audit_log::Model {
            id: "r1".into(),
            user_id: Some("u1".into()),
            org_id: Some("o1".into()),
            action: "assessment.create".into(),
            resource_type: "assessment".into(),
            resource_id: Some("a1".into()),
            details: Some(serde_json::json!({"title": {"after": "T"}})),
            ip_address: Some("127.0.0.1".into()),
            chain_key: "o1".into(),
            seq: 1,
            prev_hash: None,
            hash: String::new(),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn every_field_and_the_key_change_the_hash() {
        let key = [7_u8; 32];
        let base = row_hash(&key, &row());
        assert_eq!(base.len(), 64);
        assert_eq!(base, row_hash(&key, &row()), "deterministic");
        assert_ne!(base, row_hash(&[8_u8; 32], &row()));
        let mut changed = row();
        changed.action = "assessment.delete".into();
        assert_ne!(base, row_hash(&key, &changed));
        let mut changed = row();
        changed.prev_hash = Some("x".into());
        assert_ne!(base, row_hash(&key, &changed));
        let mut changed = row();
        changed.details = Some(serde_json::json!({"title": {"after": "U"}}));
        assert_ne!(base, row_hash(&key, &changed));
        let mut changed = row();
        changed.seq = 2;
        assert_ne!(base, row_hash(&key, &changed));
    }
}

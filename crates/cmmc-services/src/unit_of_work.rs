//! [`UnitOfWork`]: the one way a service writes a change. It begins the
//! audited write transaction; the service loads, authorises and changes
//! through it (it is a connection); [`UnitOfWork::commit`] records the audit
//! row and commits both, so a change never lands without its audit row, nor
//! an audit row without its change.

use std::sync::Arc;

use sea_orm::prelude::async_trait::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

use crate::audit::{self, AuditEvent, Author};
use crate::{Keys, ServiceError, Services};

/// A change in progress: a write transaction that ends with its audit row.
pub(crate) struct UnitOfWork {
    txn: DatabaseTransaction,
    keys: Arc<Keys>,
}

impl Services {
    /// Begins a change (see [`UnitOfWork`]).
    pub(crate) async fn begin_change(&self) -> Result<UnitOfWork, ServiceError> {
        let txn = audit::begin_write(&self.db, &self.keys).await?;
        Ok(UnitOfWork { txn, keys: Arc::clone(&self.keys) })
    }
}

impl UnitOfWork {
    /// Records an audit row now, for a change that records more than one.
    pub(crate) async fn record(
        &self,
        author: &Author,
        org_id: Option<&str>,
        event: AuditEvent,
    ) -> Result<(), ServiceError> {
        audit::record(&self.txn, &self.keys, author, org_id, event).await
    }

    /// Records `event` and commits the change with it.
    pub(crate) async fn commit(
        self,
        author: &Author,
        org_id: Option<&str>,
        event: AuditEvent,
    ) -> Result<(), ServiceError> {
        self.record(author, org_id, event).await?;
        self.commit_recorded().await
    }

    /// Commits a change whose audit rows are already recorded.
    pub(crate) async fn commit_recorded(self) -> Result<(), ServiceError> {
        self.txn.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl ConnectionTrait for UnitOfWork {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one(stmt).await
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all(stmt).await
    }
}

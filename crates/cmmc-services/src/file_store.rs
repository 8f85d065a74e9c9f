//! Evidence files under the upload directory, shared by content.
//!
//! A file is stored once under its SHA-256 however many rows name it. The
//! `stored_files` row of a hash counts those rows and is changed in the same
//! transaction as they are, and it is also the lock that orders everything
//! that touches the file:
//!
//! - an upload takes the row (an upsert that adds one) before it puts its file
//!   in place, then commits its evidence row;
//! - a delete takes the row (subtracting one) and, when nothing names the file
//!   any more, deletes the row and moves the file aside before it commits; the
//!   file is unlinked only after the commit;
//! - the sweep inserts a placeholder row (count 0) for a file with no row, so
//!   an upload in flight makes it wait, and an upload arriving after it waits
//!   for it.
//!
//! On PostgreSQL the row lock serialises them; on SQLite every write
//! transaction holds the database's write lock from its first statement.
//! So a file is never removed while a row names it or an upload is about to.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::Utc;
use cmmc_store::entities::stored_files;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use crate::ServiceError;

/// The prefix of a file still arriving.
pub(crate) const UPLOAD_PREFIX: &str = ".upload-";
/// The prefix of a file moved aside by a delete, unlinked after its commit.
const TRASH_PREFIX: &str = ".trash-";

/// Whether `name` is a stored file's name: 64 lowercase hex digits.
#[must_use]
pub fn is_stored_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub(crate) fn stored_path(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(sha256)
}

/// Takes the file's row (adding one reference) and puts `temp` in place as
/// the file of `sha256` unless it is there already. Call inside the
/// transaction that writes the row naming the file.
pub(crate) async fn acquire<C: ConnectionTrait>(
    txn: &C,
    dir: &Path,
    sha256: &str,
    temp: &Path,
) -> Result<(), ServiceError> {
    let now = Utc::now();
    let row = stored_files::ActiveModel {
        sha256: Set(sha256.to_owned()),
        ref_count: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    stored_files::Entity::insert(row)
        .on_conflict(
            OnConflict::column(stored_files::Column::Sha256)
                .value(
                    stored_files::Column::RefCount,
                    Expr::col((stored_files::Entity, stored_files::Column::RefCount)).add(1),
                )
                .value(stored_files::Column::UpdatedAt, now)
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    // The row is ours until the commit: nobody removes the file meanwhile.
    let target = stored_path(dir, sha256);
    if target.exists() {
        let _ = std::fs::remove_file(temp);
    } else {
        std::fs::rename(temp, &target)
            .map_err(|err| anyhow::format_err!("storing an upload: {err}"))?;
    }
    Ok(())
}

/// A file moved aside by [`release`]: unlink it after the commit with
/// [`Released::finish`]; anything else (a failed commit, or the request
/// dropped half-way, when nobody can tell whether it committed) puts it back,
/// at worst as a file no row names, which the sweep removes.
#[derive(Debug, Default)]
#[must_use]
pub(crate) struct Released {
    moved: Option<(PathBuf, PathBuf)>,
}

impl Released {
    pub(crate) fn finish(mut self) {
        if let Some((aside, _)) = self.moved.take() {
            let _ = std::fs::remove_file(aside);
        }
    }

    pub(crate) fn restore(self) {
        drop(self);
    }
}

impl Drop for Released {
    fn drop(&mut self) {
        if let Some((aside, target)) = self.moved.take()
            && !target.exists()
        {
            let _ = std::fs::rename(aside, target);
        }
    }
}

/// Drops one reference to the file of `sha256`; when none is left, deletes
/// its row and moves the file aside. Call inside the transaction that
/// deletes the row naming the file.
pub(crate) async fn release<C: ConnectionTrait>(
    txn: &C,
    dir: &Path,
    sha256: &str,
) -> Result<Released, ServiceError> {
    stored_files::Entity::update_many()
        .col_expr(stored_files::Column::RefCount, Expr::col(stored_files::Column::RefCount).sub(1))
        .col_expr(stored_files::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(stored_files::Column::Sha256.eq(sha256))
        .filter(stored_files::Column::RefCount.gt(0))
        .exec(txn)
        .await?;
    let left = stored_files::Entity::find_by_id(sha256.to_owned()).one(txn).await?;
    if left.is_some_and(|row| row.ref_count > 0) {
        return Ok(Released::default());
    }
    stored_files::Entity::delete_by_id(sha256.to_owned()).exec(txn).await?;
    Ok(move_aside(dir, sha256))
}

fn move_aside(dir: &Path, sha256: &str) -> Released {
    let target = stored_path(dir, sha256);
    let aside = dir.join(format!("{TRASH_PREFIX}{}", Uuid::new_v4()));
    match std::fs::rename(&target, &aside) {
        Ok(()) => {
            // Aged from now: the sweep must not take it for a stale file
            // while the transaction that moved it may still roll back.
            if let Ok(file) = std::fs::File::options().append(true).open(&aside) {
                let _ = file.set_modified(SystemTime::now());
            }
            Released { moved: Some((aside, target)) }
        }
        Err(_) => Released::default(),
    }
}

/// What a sweep of the upload directory removed (or, dry, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Temporary files of uploads that never finished (a server killed mid-upload).
    pub stale_temporary: Vec<String>,
    /// Stored files that no row names (a server killed between storing and committing).
    pub unreferenced: Vec<String>,
    /// Bytes those files held.
    pub bytes: u64,
}

/// Removes from `dir` the temporary files untouched for `stale_after` and the
/// stored files no row names; with `dry_run`, only says what it would remove.
///
/// # Errors
/// When the directory cannot be read, or the database fails.
pub async fn sweep<D: TransactionTrait + ConnectionTrait>(
    db: &D,
    dir: &Path,
    stale_after: Duration,
    dry_run: bool,
) -> Result<SweepReport, ServiceError> {
    let mut report = SweepReport::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(report),
        Err(err) => return Err(anyhow::format_err!("reading {}: {err}", dir.display()).into()),
    };
    let now = SystemTime::now();
    // Only files with no row need the lock and a second look.
    let named: std::collections::HashSet<String> =
        stored_files::Entity::find().all(db).await?.into_iter().map(|row| row.sha256).collect();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let age = meta.modified().ok().and_then(|m| now.duration_since(m).ok());
        if name.starts_with(UPLOAD_PREFIX) || name.starts_with(TRASH_PREFIX) {
            if age.is_some_and(|age| age >= stale_after) {
                if !dry_run {
                    let _ = std::fs::remove_file(entry.path());
                }
                report.bytes += meta.len();
                report.stale_temporary.push(name);
            }
        } else if is_stored_name(&name)
            && !named.contains(&name)
            && remove_if_unnamed(db, dir, &name, dry_run).await?
        {
            report.bytes += meta.len();
            report.unreferenced.push(name);
        }
    }
    report.stale_temporary.sort();
    report.unreferenced.sort();
    Ok(report)
}

/// Removes a stored file no row names, holding a placeholder row meanwhile.
async fn remove_if_unnamed<D: TransactionTrait>(
    db: &D,
    dir: &Path,
    sha256: &str,
    dry_run: bool,
) -> Result<bool, ServiceError> {
    let txn = db.begin().await?;
    let now = Utc::now();
    let placeholder = stored_files::ActiveModel {
        sha256: Set(sha256.to_owned()),
        ref_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    };
    // Waits for an upload of the same content that holds the row; inserts
    // nothing when a row exists.
    let inserted = stored_files::Entity::insert(placeholder)
        .on_conflict(OnConflict::column(stored_files::Column::Sha256).do_nothing().to_owned())
        .exec_without_returning(&txn)
        .await?;
    if inserted == 0 || dry_run {
        txn.rollback().await?;
        return Ok(inserted > 0);
    }
    let released = move_aside(dir, sha256);
    stored_files::Entity::delete_by_id(sha256.to_owned()).exec(&txn).await?;
    match txn.commit().await {
        Ok(()) => {
            released.finish();
            Ok(true)
        }
        Err(err) => {
            released.restore();
            Err(err.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_moved_aside_comes_back_unless_the_delete_finished() {
        let dir = std::env::temp_dir().join(format!("cmmc-file-store-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let sha = "cd".repeat(32);
        std::fs::write(dir.join(&sha), b"evidence").unwrap();
        // Dropped half-way (a cancelled request): the file is put back.
        drop(move_aside(&dir, &sha));
        assert_eq!(std::fs::read(dir.join(&sha)).unwrap(), b"evidence");
        // Finished after the commit: gone, and nothing left aside.
        move_aside(&dir, &sha).finish();
        assert!(!dir.join(&sha).exists());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn stored_names_are_lowercase_sha256_hex() {
        assert!(is_stored_name(&"a".repeat(64)));
        assert!(is_stored_name("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
        assert!(!is_stored_name(&"A".repeat(64)));
        assert!(!is_stored_name(&"a".repeat(63)));
        assert!(!is_stored_name(".upload-1234"));
    }
}

//! Evidence: files and links attached to a practice answer, and their review.
//!
//! Files are written, while they arrive, to a temporary file in the upload
//! directory, hashed and measured on the way (a file over the limit is
//! refused as soon as it passes it), then renamed to their SHA-256: the
//! user's file name never becomes a path. A failed or cancelled upload
//! leaves nothing behind ([`UploadSink`] removes its temporary file when
//! dropped unfinished), and a row never points at a missing file: the file is
//! in place before the row is committed, and removed only when no row names it.
//! Serving a file checks its hash first.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::Utc;
use cmmc_domain::ReviewStatus;
use cmmc_domain::access::Action;
use cmmc_store::entities::{assessment_practices, assessments, evidence};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::file_store;
use crate::keys::hex;
use crate::{Actor, ServiceError, Services};

/// Where evidence files live and how large they may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceSettings {
    pub upload_dir: PathBuf,
    pub max_upload_bytes: u64,
}

pub use crate::models::Evidence;

/// The media types accepted: documents, images, text and office files an
/// assessor examines. Anything else (executables, archives, HTML) is refused.
pub const ALLOWED_MEDIA_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
];

/// A file arriving: written to a temporary file while hashed and measured.
#[derive(Debug)]
pub struct UploadSink {
    file: Option<std::fs::File>,
    temp_path: PathBuf,
    hasher: Sha256,
    size: u64,
    max: u64,
    /// The first bytes, to detect the media type.
    head: Vec<u8>,
    finished: bool,
}

/// Checks a client's file name: kept only as a label, but a name with a path
/// in it, a NUL or control character, or no name at all, is refused.
///
/// # Errors
/// [`ServiceError::InvalidInput`] naming the problem.
pub fn check_filename(name: &str) -> Result<String, ServiceError> {
    let invalid = |why: &str| ServiceError::invalid("file", format!("file name {name:?}: {why}"));
    if name.is_empty() || name.chars().count() > 255 {
        return Err(invalid("must be 1 to 255 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("has a control character"));
    }
    if name.contains('/')
        || name.contains('\\')
        || name == "."
        || name == ".."
        || name.starts_with("..")
    {
        return Err(invalid("may not contain a path"));
    }
    Ok(name.to_owned())
}

/// The media type of a file from its first bytes (never from its name).
#[must_use]
pub fn detect_media_type(head: &[u8]) -> Option<&'static str> {
    if let Some(kind) = infer::get(head) {
        return ALLOWED_MEDIA_TYPES.iter().copied().find(|allowed| *allowed == kind.mime_type());
    }
    // No magic number: plain text when it is UTF-8 without NULs.
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // The head may end inside a character.
        Err(err) if err.error_len().is_none() => {
            std::str::from_utf8(&head[..err.valid_up_to()]).unwrap_or("\0")
        }
        Err(_) => return None,
    };
    (!text.is_empty() && !text.contains('\0')).then_some("text/plain")
}

/// The OOXML kinds, by the main part each must have.
const OOXML_MAIN_PARTS: &[(&str, &str)] = &[
    (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
];

/// The media type of a complete upload: a zip is accepted only as an OOXML
/// document, recognised by its `[Content_Types].xml` and main part wherever
/// they stand in the archive (writers order entries differently); anything
/// else by its first bytes.
#[must_use]
pub fn classify_upload(head: &[u8], path: &Path) -> Option<&'static str> {
    if head.starts_with(b"PK\x03\x04") {
        return std::fs::File::open(path).ok().and_then(ooxml_kind);
    }
    detect_media_type(head)
}

fn ooxml_kind<R: std::io::Read + std::io::Seek>(reader: R) -> Option<&'static str> {
    let archive = zip::ZipArchive::new(reader).ok()?;
    let names: std::collections::HashSet<String> =
        archive.file_names().filter_map(Result::ok).map(|name| name.into_owned()).collect();
    if !names.contains("[Content_Types].xml") {
        return None;
    }
    OOXML_MAIN_PARTS.iter().find(|(part, _)| names.contains(*part)).map(|(_, kind)| *kind)
}

impl UploadSink {
    /// Appends a chunk.
    ///
    /// # Errors
    /// [`ServiceError::PayloadTooLarge`] once the file passes the limit (the
    /// temporary file is then removed); I/O errors.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), ServiceError> {
        self.size += chunk.len() as u64;
        if self.size > self.max {
            self.discard();
            return Err(ServiceError::PayloadTooLarge(format!(
                "files may be at most {} bytes",
                self.max
            )));
        }
        if self.head.len() < 8192 {
            let take = (8192 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        let file =
            self.file.as_mut().ok_or_else(|| anyhow::format_err!("upload already discarded"))?;
        file.write_all(chunk).map_err(|err| anyhow::format_err!("writing an upload: {err}"))?;
        Ok(())
    }

    fn discard(&mut self) {
        self.file = None;
        let _ = std::fs::remove_file(&self.temp_path);
        self.finished = true;
    }
}

impl Drop for UploadSink {
    fn drop(&mut self) {
        if !self.finished {
            self.file = None;
            let _ = std::fs::remove_file(&self.temp_path);
        }
    }
}

/// A new piece of evidence: a file, or a link.
#[derive(Debug)]
pub struct NewEvidence {
    pub title: String,
    pub description: Option<String>,
    /// The uploaded file and its name as the client gave it.
    pub file: Option<(UploadSink, String)>,
    pub file_url: Option<String>,
}

/// A file to serve: checked against its hash.
#[derive(Debug)]
pub struct EvidenceFile {
    pub original_filename: String,
    pub media_type: String,
    pub size_bytes: u64,
    pub content: VerifiedContent,
}

/// Files up to this size are read whole and checked before a byte is sent.
const VERIFY_IN_MEMORY: u64 = 8 * 1024 * 1024;
/// How much a streamed file is read at a time.
const STREAM_CHUNK: usize = 256 * 1024;

/// The bytes of a stored file, checked against its SHA-256.
#[derive(Debug)]
pub enum VerifiedContent {
    /// A small file, read and checked.
    Whole(Vec<u8>),
    /// A large file, hashed as it is read.
    Stream(Box<VerifiedStream>),
}

/// A large file being sent: each chunk is hashed as it is read and held back
/// until the next is read, so the last bytes go out only once the whole file
/// matched its hash; a mismatch ends the stream with an error instead, and
/// the client sees a cut-off answer rather than a wrong file.
#[derive(Debug)]
pub struct VerifiedStream {
    file: tokio::fs::File,
    hasher: Sha256,
    expected: String,
    held: Option<Vec<u8>>,
    done: bool,
    evidence_id: String,
}

fn integrity(evidence_id: &str, why: &str) -> ServiceError {
    tracing::error!(evidence_id, why, "evidence file failed its check");
    ServiceError::Integrity(format!("the stored file of evidence {evidence_id} {why}"))
}

impl VerifiedContent {
    async fn open(
        path: &Path,
        expected: String,
        size: u64,
        evidence_id: &str,
    ) -> Result<Self, ServiceError> {
        use tokio::io::AsyncReadExt as _;
        let unreadable = |_| integrity(evidence_id, "cannot be read");
        // The open file stays readable even if the name is removed meanwhile.
        let mut file = tokio::fs::File::open(path).await.map_err(unreadable)?;
        let actual_size = file.metadata().await.map_err(unreadable)?.len();
        if actual_size != size {
            return Err(integrity(evidence_id, "does not have its recorded size"));
        }
        if size > VERIFY_IN_MEMORY {
            let (hasher, held, done) = (Sha256::new(), None, false);
            let evidence_id = evidence_id.to_owned();
            return Ok(Self::Stream(Box::new(VerifiedStream {
                file,
                hasher,
                expected,
                held,
                done,
                evidence_id,
            })));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.read_to_end(&mut bytes).await.map_err(unreadable)?;
        if hex(&Sha256::digest(&bytes)) != expected {
            return Err(integrity(evidence_id, "does not match its SHA-256"));
        }
        Ok(Self::Whole(bytes))
    }
}

impl VerifiedStream {
    /// The next chunk to send; `None` at the end of a file that matched its
    /// hash.
    ///
    /// # Errors
    /// [`ServiceError::Integrity`] when the file cannot be read or, at its
    /// end, does not match its hash; the last chunk is then never sent.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ServiceError> {
        use tokio::io::AsyncReadExt as _;
        loop {
            if self.done {
                return Ok(None);
            }
            let mut chunk = vec![0_u8; STREAM_CHUNK];
            let n = match self.file.read(&mut chunk).await {
                Ok(n) => n,
                Err(_) => {
                    self.done = true;
                    return Err(integrity(&self.evidence_id, "cannot be read"));
                }
            };
            if n == 0 {
                self.done = true;
                if hex(&self.hasher.clone().finalize()) != self.expected {
                    return Err(integrity(&self.evidence_id, "does not match its SHA-256"));
                }
                return Ok(self.held.take());
            }
            chunk.truncate(n);
            self.hasher.update(&chunk);
            if let Some(previous) = self.held.replace(chunk) {
                return Ok(Some(previous));
            }
        }
    }
}

/// A complete, accepted upload on its way into the store.
#[derive(Debug)]
struct StoredUpload {
    sha256: String,
    size: u64,
    media_type: &'static str,
    /// Holds the temporary file until it is put in place (or removes it).
    sink: UploadSink,
}

/// Counts of a practice's evidence by review status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvidenceCounts {
    pub pending: u64,
    pub accepted: u64,
    pub rejected: u64,
}

fn is_http_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 512
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty())
}

impl Services {
    /// Starts receiving a file into the upload directory.
    ///
    /// # Errors
    /// When the upload directory cannot be written.
    pub fn begin_upload(&self) -> Result<UploadSink, ServiceError> {
        let dir = &self.evidence.upload_dir;
        std::fs::create_dir_all(dir)
            .map_err(|err| anyhow::format_err!("creating {}: {err}", dir.display()))?;
        let temp_path = dir.join(format!("{}{}", file_store::UPLOAD_PREFIX, Uuid::new_v4()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp_path)
            .map_err(|err| anyhow::format_err!("creating {}: {err}", temp_path.display()))?;
        Ok(UploadSink {
            file: Some(file),
            temp_path,
            hasher: Sha256::new(),
            size: 0,
            max: self.evidence.max_upload_bytes,
            head: Vec::new(),
            finished: false,
        })
    }

    fn stored_path(&self, sha256: &str) -> PathBuf {
        file_store::stored_path(&self.evidence.upload_dir, sha256)
    }

    async fn practice_for<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        assessment_id: &str,
        practice_id: &str,
        action: Action,
    ) -> Result<(assessments::Model, assessment_practices::Model), ServiceError> {
        let assessment = self.assessment_for(db, actor, assessment_id, action).await?;
        let practice = self.practice_row(db, assessment_id, practice_id).await?;
        Ok((assessment, practice))
    }

    /// Checks, before any upload is read, that the actor may add evidence to
    /// this practice now.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] / [`ServiceError::NotFound`]; [`ServiceError::Conflict`]
    /// for a completed assessment.
    pub async fn check_evidence_upload(
        &self,
        actor: &Actor,
        assessment_id: &str,
        practice_id: &str,
    ) -> Result<(), ServiceError> {
        let (assessment, _) = self
            .practice_for(&self.db, actor, assessment_id, practice_id, Action::EvidenceUpload)
            .await?;
        crate::assessments::ensure_writable(&assessment)?;
        Ok(())
    }

    /// Attaches evidence (a file or a link) to a practice of an assessment
    /// that is not completed.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`] for a missing title, neither or both of
    /// file and link, an empty file or a bad name; [`ServiceError::UnsupportedMediaType`];
    /// [`ServiceError::Conflict`] for a completed assessment.
    pub async fn create_evidence(
        &self,
        actor: &Actor,
        assessment_id: &str,
        practice_id: &str,
        new: NewEvidence,
    ) -> Result<Evidence, ServiceError> {
        let title = cmmc_domain::text::short_text(&new.title, cmmc_domain::text::TITLE_MAX)
            .map_err(|err| ServiceError::invalid("title", err))?;
        if new
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > cmmc_domain::text::LONG_TEXT_MAX)
        {
            return Err(ServiceError::invalid("description", "must be at most 10000 characters"));
        }
        if let Some(c) =
            new.description.as_deref().and_then(|d| cmmc_domain::text::forbidden_control(d, true))
        {
            return Err(ServiceError::invalid(
                "description",
                format!("must not contain control characters (found U+{:04X})", u32::from(c)),
            ));
        }
        let file_url = new.file_url.map(|u| u.trim().to_owned());
        if file_url.as_deref() == Some("") {
            return Err(ServiceError::invalid(
                "file_url",
                "is empty: send a link or leave the field out",
            ));
        }
        let (sink, filename) = match (new.file, &file_url) {
            (Some(_), Some(_)) => {
                return Err(ServiceError::unprocessable(
                    "file",
                    "send a file or a file_url, not both",
                ));
            }
            (None, None) => {
                return Err(ServiceError::unprocessable("file", "send a file or a file_url"));
            }
            (Some((sink, name)), None) => (Some(sink), Some(check_filename(&name)?)),
            (None, Some(url)) if !is_http_url(url) => {
                return Err(ServiceError::invalid(
                    "file_url",
                    "must be an http(s) URL of at most 512 characters",
                ));
            }
            (None, Some(_)) => (None, None),
        };
        let stored = match sink {
            Some(sink) => Some(Self::finish_upload(sink)?),
            None => None,
        };
        // The file goes into place under its hash inside the transaction
        // that writes the row; a failed write leaves at most a file no row
        // names, which the sweep removes. Dropping the sink removes its
        // temporary file if it is still there.
        self.insert_evidence(
            actor,
            assessment_id,
            practice_id,
            title,
            new.description,
            file_url,
            filename,
            stored.as_ref(),
        )
        .await
    }

    /// Checks a complete upload (not empty, an accepted kind) and flushes it.
    fn finish_upload(mut sink: UploadSink) -> Result<StoredUpload, ServiceError> {
        if sink.size == 0 {
            return Err(ServiceError::invalid("file", "the file is empty"));
        }
        if let Some(file) = sink.file.take() {
            file.sync_all().map_err(|err| anyhow::format_err!("flushing an upload: {err}"))?;
        }
        let media_type = classify_upload(&sink.head, &sink.temp_path).ok_or_else(|| {
            ServiceError::UnsupportedMediaType(format!(
                "this kind of file is not accepted; accepted: {}",
                ALLOWED_MEDIA_TYPES.join(", ")
            ))
        })?;
        let sha256 = hex(&sink.hasher.clone().finalize());
        Ok(StoredUpload { sha256, size: sink.size, media_type, sink })
    }

    #[expect(clippy::too_many_arguments, reason = "one private step of create_evidence")]
    async fn insert_evidence(
        &self,
        actor: &Actor,
        assessment_id: &str,
        practice_id: &str,
        title: String,
        description: Option<String>,
        file_url: Option<String>,
        filename: Option<String>,
        stored: Option<&StoredUpload>,
    ) -> Result<Evidence, ServiceError> {
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let (assessment, practice) = self
            .practice_for(&txn, actor, assessment_id, practice_id, Action::EvidenceUpload)
            .await?;
        crate::assessments::ensure_writable(&assessment)?;
        if let Some(upload) = stored {
            file_store::acquire(
                &txn,
                &self.evidence.upload_dir,
                &upload.sha256,
                &upload.sink.temp_path,
            )
            .await?;
        }
        let row = evidence::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            assessment_practice_id: Set(practice.id.clone()),
            title: Set(title),
            description: Set(description),
            file_path: Set(stored.map(|u| u.sha256.clone())),
            file_url: Set(file_url),
            original_filename: Set(filename),
            size_bytes: Set(stored.map(|u| i64::try_from(u.size).unwrap_or(i64::MAX))),
            media_type: Set(stored.map(|u| u.media_type.to_owned())),
            sha256: Set(stored.map(|u| u.sha256.clone())),
            uploaded_by: Set(Some(actor.user_id.clone())),
            review_status: Set(ReviewStatus::Pending.as_str().to_owned()),
            reviewer_id: Set(None),
            reviewed_at: Set(None),
            review_comment: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let event = AuditEvent::new(
            "evidence.create",
            "evidence",
            Some(&row.id),
            json!({
                "assessment_id": assessment_id, "practice_id": practice_id, "title": row.title,
                "original_filename": row.original_filename, "sha256": row.sha256, "size_bytes": row.size_bytes,
                "media_type": row.media_type, "file_url": row.file_url,
            }),
        );
        txn.commit(&Author::from(actor), Some(&assessment.org_id), event).await?;
        Evidence::try_from(row)
    }

    /// The evidence of an assessment, optionally of one practice and one
    /// review status, newest first.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`]; a bad filter or page.
    pub async fn list_evidence(
        &self,
        actor: &Actor,
        assessment_id: &str,
        practice_id: Option<&str>,
        review_status: Option<&str>,
        page: crate::Page,
    ) -> Result<(Vec<(Evidence, String)>, u64), ServiceError> {
        let assessment = assessments::Entity::find_by_id(assessment_id.to_owned())
            .one(&self.db)
            .await?
            .ok_or_else(|| ServiceError::not_found("assessment"))?;
        actor.authorize(Action::AssessmentRead, &assessment.org_id, "assessment")?;
        let mut practices = assessment_practices::Entity::find()
            .filter(assessment_practices::Column::AssessmentId.eq(assessment_id));
        if let Some(practice_id) = practice_id {
            practices = practices.filter(assessment_practices::Column::PracticeId.eq(practice_id));
        }
        let practices = practices.all(&self.db).await?;
        if let Some(practice_id) = practice_id
            && practices.is_empty()
        {
            return Err(ServiceError::not_found(format!(
                "practice {practice_id} in this assessment"
            )));
        }
        let ids: Vec<String> = practices.iter().map(|p| p.id.clone()).collect();
        let mut query =
            evidence::Entity::find().filter(evidence::Column::AssessmentPracticeId.is_in(ids));
        if let Some(status) = review_status {
            let status: ReviewStatus =
                status.parse().map_err(|err| ServiceError::invalid("review_status", err))?;
            query = query.filter(evidence::Column::ReviewStatus.eq(status.as_str()));
        }
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_desc(evidence::Column::CreatedAt)
            .order_by_asc(evidence::Column::Id)
            .offset(page.offset())
            .limit(page.per_page())
            .all(&self.db)
            .await?;
        let practice_of = |row: &evidence::Model| {
            practices
                .iter()
                .find(|p| p.id == row.assessment_practice_id)
                .map(|p| p.practice_id.clone())
                .unwrap_or_default()
        };
        let items = rows
            .into_iter()
            .map(|row| {
                let practice = practice_of(&row);
                Evidence::try_from(row).map(|row| (row, practice))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((items, total))
    }

    async fn evidence_row<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        assessment_id: &str,
        practice_id: &str,
        evidence_id: &str,
        action: Action,
    ) -> Result<(assessments::Model, evidence::Model), ServiceError> {
        let (assessment, practice) =
            self.practice_for(db, actor, assessment_id, practice_id, action).await?;
        let row = evidence::Entity::find_by_id(evidence_id.to_owned())
            .filter(evidence::Column::AssessmentPracticeId.eq(&practice.id))
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("evidence"))?;
        Ok((assessment, row))
    }

    /// Evidence of an assessment that may still change, for `action`.
    async fn writable_evidence<C: ConnectionTrait>(
        &self,
        db: &C,
        actor: &Actor,
        (assessment_id, practice_id, evidence_id): (&str, &str, &str),
        action: Action,
    ) -> Result<(assessments::Model, evidence::Model), ServiceError> {
        let (assessment, row) =
            self.evidence_row(db, actor, assessment_id, practice_id, evidence_id, action).await?;
        crate::assessments::ensure_writable(&assessment)?;
        Ok((assessment, row))
    }

    /// The file of a piece of evidence, ready to send: a small file is read
    /// and checked against its hash before anything is sent; a large one is
    /// checked as it is read ([`VerifiedStream::next_chunk`]). Either way
    /// what is sent is exactly what was checked.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] (also for a link, which has no file);
    /// [`ServiceError::Integrity`] when the stored file is missing or no
    /// longer matches its size or hash.
    pub async fn evidence_file(
        &self,
        actor: &Actor,
        assessment_id: &str,
        practice_id: &str,
        evidence_id: &str,
    ) -> Result<EvidenceFile, ServiceError> {
        let (_, row) = self
            .evidence_row(
                &self.db,
                actor,
                assessment_id,
                practice_id,
                evidence_id,
                Action::AssessmentRead,
            )
            .await?;
        let (Some(sha256), Some(name)) = (row.sha256.clone(), row.original_filename.clone()) else {
            return Err(ServiceError::Conflict(
                "this evidence is a link (its file_url), not a file to download".into(),
            ));
        };
        let size_bytes = row.size_bytes.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
        let content =
            VerifiedContent::open(&self.stored_path(&sha256), sha256, size_bytes, evidence_id)
                .await?;
        Ok(EvidenceFile {
            original_filename: name,
            media_type: row.media_type.unwrap_or_else(|| "application/octet-stream".into()),
            size_bytes,
            content,
        })
    }

    /// Deletes evidence that is still pending review, and its file when no
    /// other evidence has the same content.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] once reviewed.
    pub async fn delete_evidence(
        &self,
        actor: &Actor,
        assessment_id: &str,
        practice_id: &str,
        evidence_id: &str,
    ) -> Result<(), ServiceError> {
        let txn = self.begin_change().await?;
        let ids = (assessment_id, practice_id, evidence_id);
        let (assessment, row) =
            self.writable_evidence(&txn, actor, ids, Action::EvidenceUpload).await?;
        if row.review_status != ReviewStatus::Pending.as_str() {
            return Err(ServiceError::Conflict(format!(
                "only pending evidence can be deleted; this is {}",
                row.review_status
            )));
        }
        evidence::Entity::delete_by_id(evidence_id.to_owned()).exec(&txn).await?;
        let released = match &row.sha256 {
            Some(sha256) => file_store::release(&txn, &self.evidence.upload_dir, sha256).await?,
            None => file_store::Released::default(),
        };
        let event = AuditEvent::new(
            "evidence.delete",
            "evidence",
            Some(evidence_id),
            json!({ "title": row.title, "sha256": row.sha256 }),
        );
        if let Err(err) = txn.record(&Author::from(actor), Some(&assessment.org_id), event).await {
            released.restore();
            return Err(err);
        }
        match txn.commit_recorded().await {
            Ok(()) => {
                released.finish();
                Ok(())
            }
            Err(err) => {
                released.restore();
                Err(err)
            }
        }
    }

    /// Accepts or rejects evidence, with a comment. Nobody reviews evidence they uploaded.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`] for a status other than accepted or rejected;
    /// [`ServiceError::Forbidden`] for one's own evidence.
    pub async fn review_evidence(
        &self,
        actor: &Actor,
        assessment_id: &str,
        practice_id: &str,
        evidence_id: &str,
        status: &str,
        comment: Option<String>,
    ) -> Result<Evidence, ServiceError> {
        let status: ReviewStatus =
            status.parse().map_err(|err| ServiceError::invalid("status", err))?;
        if status == ReviewStatus::Pending {
            return Err(ServiceError::invalid("status", "a review accepts or rejects"));
        }
        if comment.as_ref().is_some_and(|c| c.chars().count() > cmmc_domain::text::LONG_TEXT_MAX) {
            return Err(ServiceError::invalid("comment", "must be at most 10000 characters"));
        }
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let ids = (assessment_id, practice_id, evidence_id);
        let (assessment, row) =
            self.writable_evidence(&txn, actor, ids, Action::EvidenceReview).await?;
        if row.uploaded_by.as_deref() == Some(actor.user_id.as_str()) {
            return Err(ServiceError::Forbidden { action: "review evidence you uploaded".into() });
        }
        let before = row.review_status.clone();
        let mut active = row.into_active_model();
        active.review_status = Set(status.as_str().to_owned());
        active.reviewer_id = Set(Some(actor.user_id.clone()));
        active.reviewed_at = Set(Some(now));
        active.review_comment = Set(comment.clone());
        active.updated_at = Set(now);
        let after = active.update(&txn).await?;
        let event = AuditEvent::new(
            "evidence.review",
            "evidence",
            Some(evidence_id),
            json!({ "review_status": { "before": before, "after": after.review_status }, "comment": comment }),
        );
        txn.commit(&Author::from(actor), Some(&assessment.org_id), event).await?;
        Evidence::try_from(after)
    }

    /// Evidence counts per practice answer id of an assessment.
    ///
    /// # Errors
    /// Database errors.
    pub async fn evidence_counts(
        &self,
        practice_answer_ids: &[String],
    ) -> Result<std::collections::HashMap<String, EvidenceCounts>, ServiceError> {
        let rows = evidence::Entity::find()
            .filter(evidence::Column::AssessmentPracticeId.is_in(practice_answer_ids.to_vec()))
            .all(&self.db)
            .await?;
        let mut counts: std::collections::HashMap<String, EvidenceCounts> =
            std::collections::HashMap::new();
        for row in rows {
            let entry = counts.entry(row.assessment_practice_id.clone()).or_default();
            match row.review_status.as_str() {
                "accepted" => entry.accepted += 1,
                "rejected" => entry.rejected += 1,
                _ => entry.pending += 1,
            }
        }
        Ok(counts)
    }
}

/// The directory exists and is writable.
///
/// # Errors
/// When it cannot be created.
pub fn ensure_upload_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_with_paths_or_control_characters_are_refused() {
        assert!(check_filename("policy.pdf").is_ok());
        assert!(check_filename("Access Control Policy v2.docx").is_ok());
        for bad in [
            "",
            "../etc/passwd",
            "/etc/passwd",
            "a/b.pdf",
            "a\\b.pdf",
            "..",
            "nul\0.pdf",
            "line\nbreak.pdf",
        ] {
            assert!(check_filename(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn media_types_come_from_content_not_names() {
        assert_eq!(detect_media_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            detect_media_type(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]),
            Some("image/png")
        );
        assert_eq!(detect_media_type("plain text, with é".as_bytes()), Some("text/plain"));
        assert_eq!(detect_media_type(b"MZ\x90\x00\x03\x00\x00\x00"), None, "a Windows executable");
        assert_eq!(detect_media_type(&[0x7F, b'E', b'L', b'F', 2, 1, 1, 0]), None, "an ELF binary");
        assert_eq!(detect_media_type(b"bin\0ary"), None);
    }

    fn zip_of(names: &[&str]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for name in names {
            writer.start_file(*name, options).unwrap();
            writer.write_all(b"<x/>").unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn ooxml_is_recognised_whatever_the_entry_order() {
        let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        let cursor = |names: &[&str]| std::io::Cursor::new(zip_of(names));
        // python-docx writes docProps/core.xml before the main part.
        let python_docx =
            ["_rels/.rels", "docProps/core.xml", "word/document.xml", "[Content_Types].xml"];
        assert_eq!(ooxml_kind(cursor(&python_docx)), Some(docx));
        assert_eq!(ooxml_kind(cursor(&["[Content_Types].xml", "word/document.xml"])), Some(docx));
        assert_eq!(ooxml_kind(cursor(&["xl/workbook.xml", "[Content_Types].xml"])), Some(xlsx));
        assert_eq!(ooxml_kind(cursor(&["word/document.xml"])), None, "no content types");
        assert_eq!(ooxml_kind(cursor(&["[Content_Types].xml", "a.txt"])), None, "no main part");
        assert_eq!(ooxml_kind(std::io::Cursor::new(b"PK\x03\x04 not a zip".to_vec())), None);
    }

    #[test]
    fn links_are_http_urls() {
        assert!(is_http_url("https://sharepoint.example/policy.pdf"));
        assert!(!is_http_url("file:///etc/passwd"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https://a b"));
    }
}

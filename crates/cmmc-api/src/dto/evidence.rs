//! The bodies and queries of the evidence routes, the upload form included.

use chrono::{DateTime, Utc};
use cmmc_services::evidence::{Evidence, NewEvidence, UploadSink};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// The query of the evidence lists, as given.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct EvidenceQuery {
    /// Only the evidence of this practice, such as `AC.L2-3.1.1` (404 when the
    /// assessment has no such practice).
    pub(crate) practice_id: Option<String>,
    /// Only the evidence in this review status: `pending`, `accepted` or `rejected`.
    #[param(pattern = "^(pending|accepted|rejected)$")]
    pub(crate) review_status: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub(crate) page: Option<u64>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub(crate) per_page: Option<u64>,
}

/// A review of a piece of evidence.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EvidenceReviewRequest, example = json!({"status": "accepted", "comment": "Signed and current."}))]
pub(crate) struct ReviewRequest {
    /// `accepted` or `rejected`.
    #[schema(pattern = "^(accepted|rejected)$")]
    pub(crate) status: String,
    /// At most 10 000 characters.
    #[schema(max_length = 10000)]
    pub(crate) comment: Option<String>,
}

/// A piece of evidence: a file (`original_filename`, `size_bytes`,
/// `media_type` and `sha256` set) or a link (`file_url` set). Every field is
/// always present; those that do not apply are null.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Evidence, example = json!({
    "id": "6f1c2a9e-3b7d-4c58-9e21-5a8d0b4f7c13", "practice_id": "AC.L2-3.1.1",
    "assessment_practice_id": "0d4e7b2a-91c3-4f6e-8a5b-c27d1e3f9a40",
    "title": "Access control policy", "description": "Signed policy, version 2",
    "file_url": null, "original_filename": "access-control-policy.pdf", "size_bytes": 48213,
    "media_type": "application/pdf",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "uploaded_by": "2b9e4c7a-6d1f-4a38-b5e0-7c3a9d2f1e64", "review_status": "pending",
    "reviewer_id": null, "reviewed_at": null, "review_comment": null,
    "created_at": "2025-03-04T10:15:30.120Z", "updated_at": "2025-03-04T10:15:30.120Z"
}))]
pub(crate) struct EvidenceDto {
    id: String,
    /// The practice, such as `AC.L2-3.1.1`.
    practice_id: String,
    /// The practice answer it is attached to.
    assessment_practice_id: String,
    title: String,
    description: Option<String>,
    /// The link, for evidence that is a link.
    file_url: Option<String>,
    /// The file's name as uploaded, for evidence that is a file.
    original_filename: Option<String>,
    size_bytes: Option<i64>,
    /// The media type detected from the file's content.
    media_type: Option<String>,
    /// The SHA-256 of the file, in hex.
    sha256: Option<String>,
    uploaded_by: Option<String>,
    /// `pending`, `accepted` or `rejected`.
    review_status: &'static str,
    reviewer_id: Option<String>,
    reviewed_at: Option<DateTime<Utc>>,
    review_comment: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl EvidenceDto {
    /// The answer for evidence `e` of practice `practice_id`.
    pub(crate) fn new(e: Evidence, practice_id: String) -> Self {
        Self {
            id: e.id,
            practice_id,
            assessment_practice_id: e.assessment_practice_id,
            title: e.title,
            description: e.description,
            file_url: e.file_url,
            original_filename: e.original_filename,
            size_bytes: e.size_bytes,
            media_type: e.media_type,
            sha256: e.sha256,
            uploaded_by: e.uploaded_by,
            review_status: e.review_status.as_str(),
            reviewer_id: e.reviewer_id,
            reviewed_at: e.reviewed_at,
            review_comment: e.review_comment,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// The upload form (`multipart/form-data`): a title, and either a file or a
/// link. Any other field is refused.
#[derive(Default, utoipa::ToSchema)]
#[schema(as = EvidenceUploadForm)]
pub(crate) struct UploadForm {
    /// 1 to 256 characters on one line (trimmed).
    #[schema(value_type = String, min_length = 1, max_length = 256)]
    pub(crate) title: Option<String>,
    /// At most 10 000 characters.
    #[schema(value_type = String, required = false, max_length = 10000)]
    pub(crate) description: Option<String>,
    /// The file, once, with a file name (no path) in its part's
    /// Content-Disposition; not empty, within the upload limit, and of an
    /// accepted kind judged from its content: PDF, PNG, JPEG, GIF, plain text,
    /// DOCX, XLSX or PPTX. Send `file` or `file_url`, not both.
    #[schema(value_type = String, required = false, format = Binary, min_length = 1)]
    pub(crate) file: Option<(UploadSink, String)>,
    /// A link instead of a file: an http(s) URL of at most 512 characters.
    #[schema(value_type = String, required = false, format = "uri", max_length = 512)]
    pub(crate) file_url: Option<String>,
}

impl UploadForm {
    /// The evidence the form describes; its title is required.
    pub(crate) fn into_new(self) -> Result<NewEvidence, ApiError> {
        let title =
            self.title.ok_or_else(|| ApiError::invalid_parameter("title", "is required"))?;
        Ok(NewEvidence {
            title,
            description: self.description,
            file: self.file,
            file_url: self.file_url,
        })
    }
}

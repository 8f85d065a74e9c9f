//! Assessments, their practice answers, evidence, findings and POA&Ms.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// Deliberate ON DELETE choices:
// - organisations and users are never deleted from under an assessment (RESTRICT);
// - an assessment's practice answers, findings and POA&Ms belong to it and go
//   with it (CASCADE; the services delete only draft assessments);
// - evidence is RESTRICT: its file lives outside the database, so the service
//   removes evidence (and files) explicitly before anything above it;
// - a POA&M item outlives the finding it came from (SET NULL keeps the plan).
const UP: &str = r"
CREATE TABLE assessments (
    id VARCHAR(64) NOT NULL,
    org_id VARCHAR(64) NOT NULL,
    title VARCHAR(256) NOT NULL,
    target_level INTEGER NOT NULL,
    assessment_type VARCHAR(32) NOT NULL,
    status VARCHAR(32) NOT NULL DEFAULT 'draft',
    lead_assessor_id VARCHAR(64) NULL,
    started_at {TS} NULL,
    completed_at {TS} NULL,
    overall_score {FLOAT} NULL,
    sprs_score INTEGER NULL,
    -- Stored when the assessment completes (32 CFR 170.21 / 170.24).
    level3_score INTEGER NULL,
    cmmc_status VARCHAR(16) NULL,
    conditional_deadline {DATE} NULL,
    created_by VARCHAR(64) NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_assessments PRIMARY KEY (id),
    CONSTRAINT fk_assessments_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT fk_assessments_lead_assessor_id FOREIGN KEY (lead_assessor_id)
        REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_assessments_target_level FOREIGN KEY (target_level)
        REFERENCES cmmc_levels (level) ON DELETE RESTRICT,
    CONSTRAINT ck_assessments_target_level CHECK (target_level BETWEEN 1 AND 3),
    CONSTRAINT ck_assessments_assessment_type CHECK (assessment_type IN ('self', 'third_party', 'government')),
    CONSTRAINT ck_assessments_status CHECK (status IN ('draft', 'in_progress', 'under_review', 'completed')),
    CONSTRAINT ck_assessments_overall_score CHECK (overall_score BETWEEN 0 AND 1),
    CONSTRAINT ck_assessments_sprs_score CHECK (sprs_score BETWEEN -203 AND 110),
    CONSTRAINT ck_assessments_completed_at CHECK (status <> 'completed' OR completed_at IS NOT NULL),
    CONSTRAINT ck_assessments_level3_score CHECK (level3_score BETWEEN 0 AND 24),
    CONSTRAINT ck_assessments_cmmc_status CHECK (cmmc_status IN ('final', 'conditional', 'none')),
    CONSTRAINT fk_assessments_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_assessments_title CHECK (length(title) > 0)
);
CREATE INDEX ix_assessments_org_id ON assessments (org_id);
CREATE INDEX ix_assessments_lead_assessor_id ON assessments (lead_assessor_id);
CREATE INDEX ix_assessments_created_by ON assessments (created_by);
CREATE INDEX ix_assessments_status ON assessments (status);
CREATE INDEX ix_assessments_assessment_type ON assessments (assessment_type);
CREATE INDEX ix_assessments_target_level ON assessments (target_level);
CREATE TABLE assessment_practices (
    id VARCHAR(64) NOT NULL,
    assessment_id VARCHAR(64) NOT NULL,
    practice_id VARCHAR(32) NOT NULL,
    status VARCHAR(32) NOT NULL DEFAULT 'not_evaluated',
    score {FLOAT} NULL,
    assessor_notes TEXT NULL,
    datapact_sync_status VARCHAR(32) NULL,
    datapact_sync_at {TS} NULL,
    -- The practice as assessed: a later change of the reference data cannot
    -- rewrite a completed assessment.
    level INTEGER NOT NULL,
    domain_id VARCHAR(4) NOT NULL,
    title VARCHAR(256) NOT NULL,
    sort_order INTEGER NOT NULL,
    sprs_weight INTEGER NULL,
    sprs_partial_weight INTEGER NULL,
    poam_eligibility VARCHAR(16) NOT NULL,
    assessment_objectives {JSON} NOT NULL,
    -- A JSON object: objective label (a, b, ...) to met / not_met / not_applicable.
    objective_results {JSON} NOT NULL,
    -- Bumped by every change: the ETag that guards concurrent edits.
    version BIGINT NOT NULL DEFAULT 1,
    evaluated_by VARCHAR(64) NULL,
    evaluated_at {TS} NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_assessment_practices PRIMARY KEY (id),
    CONSTRAINT fk_assessment_practices_assessment_id FOREIGN KEY (assessment_id)
        REFERENCES assessments (id) ON DELETE CASCADE,
    CONSTRAINT fk_assessment_practices_practice_id FOREIGN KEY (practice_id)
        REFERENCES cmmc_practices (practice_id) ON DELETE RESTRICT,
    CONSTRAINT uq_assessment_practices_assessment_id_practice_id UNIQUE (assessment_id, practice_id),
    CONSTRAINT ck_assessment_practices_status CHECK (status IN
        ('met', 'not_met', 'partially_met', 'not_applicable', 'not_evaluated')),
    CONSTRAINT ck_assessment_practices_datapact_sync_status CHECK (datapact_sync_status IN
        ('met', 'not_met', 'partially_met', 'not_applicable', 'not_evaluated')),
    CONSTRAINT ck_assessment_practices_score CHECK (score BETWEEN 0 AND 1),
    CONSTRAINT ck_assessment_practices_level CHECK (level BETWEEN 1 AND 3),
    CONSTRAINT ck_assessment_practices_poam_eligibility CHECK (poam_eligibility IN ('eligible', 'ineligible', 'conditional')),
    CONSTRAINT ck_assessment_practices_version CHECK (version >= 1),
    CONSTRAINT fk_assessment_practices_evaluated_by FOREIGN KEY (evaluated_by) REFERENCES users (id) ON DELETE RESTRICT
);
CREATE INDEX ix_assessment_practices_practice_id ON assessment_practices (practice_id);
CREATE INDEX ix_assessment_practices_assessment_id_status ON assessment_practices (assessment_id, status);
CREATE INDEX ix_assessment_practices_assessment_id_sort_order ON assessment_practices (assessment_id, sort_order);
CREATE INDEX ix_assessment_practices_evaluated_by ON assessment_practices (evaluated_by);
CREATE TABLE evidence (
    id VARCHAR(64) NOT NULL,
    assessment_practice_id VARCHAR(64) NOT NULL,
    title VARCHAR(256) NOT NULL,
    description TEXT NULL,
    file_path VARCHAR(512) NULL,
    file_url VARCHAR(512) NULL,
    -- An uploaded file is stored under the upload directory by its SHA-256,
    -- never by the user's file name, which is kept here.
    original_filename VARCHAR(256) NULL,
    size_bytes BIGINT NULL,
    media_type VARCHAR(128) NULL,
    sha256 VARCHAR(64) NULL,
    uploaded_by VARCHAR(64) NULL,
    review_status VARCHAR(32) NOT NULL DEFAULT 'pending',
    reviewer_id VARCHAR(64) NULL,
    reviewed_at {TS} NULL,
    review_comment TEXT NULL,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_evidence PRIMARY KEY (id),
    CONSTRAINT fk_evidence_assessment_practice_id FOREIGN KEY (assessment_practice_id)
        REFERENCES assessment_practices (id) ON DELETE RESTRICT,
    CONSTRAINT fk_evidence_reviewer_id FOREIGN KEY (reviewer_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_evidence_review_status CHECK (review_status IN ('pending', 'accepted', 'rejected')),
    CONSTRAINT ck_evidence_file_path_file_url CHECK (file_path IS NOT NULL OR file_url IS NOT NULL),
    CONSTRAINT ck_evidence_reviewed_at CHECK (review_status = 'pending' OR reviewed_at IS NOT NULL),
    CONSTRAINT ck_evidence_file_path_sha256 CHECK (file_path IS NULL OR (sha256 IS NOT NULL AND size_bytes > 0)),
    CONSTRAINT fk_evidence_uploaded_by FOREIGN KEY (uploaded_by) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_evidence_title CHECK (length(title) > 0)
);
CREATE INDEX ix_evidence_assessment_practice_id ON evidence (assessment_practice_id);
CREATE INDEX ix_evidence_reviewer_id ON evidence (reviewer_id);
CREATE INDEX ix_evidence_review_status ON evidence (review_status);
CREATE INDEX ix_evidence_sha256 ON evidence (sha256);
CREATE INDEX ix_evidence_uploaded_by ON evidence (uploaded_by);
CREATE TABLE findings (
    id VARCHAR(64) NOT NULL,
    assessment_id VARCHAR(64) NOT NULL,
    practice_id VARCHAR(32) NULL,
    finding_type VARCHAR(32) NOT NULL,
    severity VARCHAR(16) NOT NULL,
    title VARCHAR(256) NOT NULL,
    description TEXT NULL,
    status VARCHAR(32) NOT NULL DEFAULT 'open',
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_findings PRIMARY KEY (id),
    CONSTRAINT fk_findings_assessment_id FOREIGN KEY (assessment_id) REFERENCES assessments (id) ON DELETE CASCADE,
    CONSTRAINT fk_findings_practice_id FOREIGN KEY (practice_id)
        REFERENCES cmmc_practices (practice_id) ON DELETE RESTRICT,
    CONSTRAINT ck_findings_finding_type CHECK (finding_type IN
        ('deficiency', 'observation', 'recommendation', 'strength')),
    CONSTRAINT ck_findings_severity CHECK (severity IN ('critical', 'high', 'medium', 'low')),
    CONSTRAINT ck_findings_status CHECK (status IN ('open', 'in_remediation', 'resolved', 'accepted')),
    CONSTRAINT ck_findings_title CHECK (length(title) > 0)
);
CREATE INDEX ix_findings_assessment_id ON findings (assessment_id);
CREATE INDEX ix_findings_practice_id ON findings (practice_id);
CREATE INDEX ix_findings_status ON findings (status);
CREATE INDEX ix_findings_severity ON findings (severity);
CREATE INDEX ix_findings_finding_type ON findings (finding_type);
CREATE TABLE poams (
    id VARCHAR(64) NOT NULL,
    org_id VARCHAR(64) NOT NULL,
    assessment_id VARCHAR(64) NOT NULL,
    title VARCHAR(256) NOT NULL,
    status VARCHAR(32) NOT NULL DEFAULT 'draft',
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_poams PRIMARY KEY (id),
    CONSTRAINT fk_poams_org_id FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE RESTRICT,
    CONSTRAINT fk_poams_assessment_id FOREIGN KEY (assessment_id) REFERENCES assessments (id) ON DELETE CASCADE,
    CONSTRAINT ck_poams_status CHECK (status IN ('draft', 'active', 'completed')),
    CONSTRAINT ck_poams_title CHECK (length(title) > 0)
);
CREATE INDEX ix_poams_org_id ON poams (org_id);
CREATE INDEX ix_poams_assessment_id ON poams (assessment_id);
CREATE INDEX ix_poams_status ON poams (status);
CREATE TABLE poam_items (
    id VARCHAR(64) NOT NULL,
    poam_id VARCHAR(64) NOT NULL,
    finding_id VARCHAR(64) NULL,
    practice_id VARCHAR(32) NULL,
    milestone VARCHAR(256) NOT NULL,
    scheduled_completion {DATE} NULL,
    actual_completion {DATE} NULL,
    status VARCHAR(32) NOT NULL DEFAULT 'open',
    resources_required TEXT NULL,
    risk_accepted BOOLEAN NOT NULL DEFAULT FALSE,
    -- Whether 32 CFR 170.21 allows this gap on a POA&M for a Conditional status.
    poam_eligible BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT pk_poam_items PRIMARY KEY (id),
    CONSTRAINT fk_poam_items_poam_id FOREIGN KEY (poam_id) REFERENCES poams (id) ON DELETE CASCADE,
    CONSTRAINT fk_poam_items_finding_id FOREIGN KEY (finding_id) REFERENCES findings (id) ON DELETE SET NULL,
    CONSTRAINT fk_poam_items_practice_id FOREIGN KEY (practice_id)
        REFERENCES cmmc_practices (practice_id) ON DELETE RESTRICT,
    CONSTRAINT ck_poam_items_status CHECK (status IN ('open', 'in_progress', 'completed', 'overdue')),
    CONSTRAINT ck_poam_items_milestone CHECK (length(milestone) > 0),
    CONSTRAINT ck_poam_items_actual_completion CHECK (status <> 'completed' OR actual_completion IS NOT NULL)
);
CREATE INDEX ix_poam_items_poam_id ON poam_items (poam_id);
CREATE INDEX ix_poam_items_finding_id ON poam_items (finding_id);
CREATE INDEX ix_poam_items_practice_id ON poam_items (practice_id);
CREATE INDEX ix_poam_items_status ON poam_items (status);
CREATE INDEX ix_poam_items_scheduled_completion ON poam_items (scheduled_completion);
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::drop_tables(
            manager,
            &["poam_items", "poams", "findings", "evidence", "assessment_practices", "assessments"],
        )
        .await
    }
}

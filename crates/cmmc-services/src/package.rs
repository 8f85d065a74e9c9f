//! The package a C3PAO receives for an assessment: one zip with the OSCAL
//! assessment-results, POA&Ms and SSP, the CSV results and POA&Ms, every
//! evidence file under `evidence/<practice_id>/` with its original name,
//! and `manifest.json`: each file's path, size and SHA-256, the
//! assessment's id, score and status, who exported it and when, and an
//! HMAC-SHA256 over all of that under a key derived from the server
//! secret. `cargo xtask verify-package` checks a package with [`verify`].
//!
//! The zip is written as a stream (no seeking, entries stored), file by
//! file in 64 KiB reads, so a package of any size needs little memory.

use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

use crate::keys::{Keys, hex};

/// The manifest's name in the zip.
pub const MANIFEST: &str = "manifest.json";

/// What one entry of the package holds.
#[derive(Debug, Clone)]
pub enum Content {
    Bytes(Vec<u8>),
    /// A stored evidence file and the SHA-256 it must have.
    File {
        path: PathBuf,
        sha256: String,
    },
}

/// The package before it is written: its entries and what the manifest says
/// of the assessment.
#[derive(Debug, Clone)]
pub struct Package {
    pub entries: Vec<(String, Content)>,
    pub about: Value,
}

/// Why a package could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("writing the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("reading or sending a file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the stored file of {0} does not match its SHA-256; the package was cut off")]
    Integrity(String),
}

/// The HMAC-SHA256 of `bytes` under the package key, in hex.
fn sign(keys: &Keys, bytes: &[u8]) -> String {
    // HMAC takes a key of any length; an empty answer would fail every check.
    <Hmac<Sha256> as Mac>::new_from_slice(&keys.package).map_or_else(
        |_| String::new(),
        |mut mac| {
            mac.update(bytes);
            hex(&mac.finalize().into_bytes())
        },
    )
}

/// The bytes the signature covers: the manifest without its signature.
fn signed_bytes(manifest: &Value) -> Vec<u8> {
    let mut unsigned = manifest.clone();
    if let Some(object) = unsigned.as_object_mut() {
        object.remove("signature");
    }
    serde_json::to_vec(&unsigned).unwrap_or_default()
}

/// Copies `reader` into `out` in 64 KiB pieces, answering size and SHA-256.
fn copy_hashed(mut reader: impl Read, out: &mut impl Write) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 64 * 1024];
    let mut size = 0_u64;
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        out.write_all(&buffer[..n])?;
        size += u64::try_from(n).unwrap_or(u64::MAX);
    }
    Ok((size, hex(&hasher.finalize())))
}

impl Package {
    /// Writes the package as a zip to `out`, the manifest last.
    ///
    /// # Errors
    /// [`PackageError`]; a stored file whose bytes no longer match its
    /// SHA-256 stops the package (what was written is not a valid zip).
    pub fn write_to<W: Write>(
        self,
        out: W,
        keys: &Keys,
        now: DateTime<Utc>,
    ) -> Result<W, PackageError> {
        let mut zip = zip::ZipWriter::new_stream(out);
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        let mut files = Vec::new();
        for (path, content) in self.entries {
            zip.start_file(path.as_str(), options)?;
            let (size, sha256) = match content {
                Content::Bytes(bytes) => copy_hashed(bytes.as_slice(), &mut zip)?,
                Content::File { path: file, sha256: expected } => {
                    let (size, sha256) = copy_hashed(std::fs::File::open(&file)?, &mut zip)?;
                    if sha256 != expected {
                        return Err(PackageError::Integrity(path));
                    }
                    (size, sha256)
                }
            };
            files.push(json!({ "path": path, "size": size, "sha256": sha256 }));
        }
        let mut manifest = json!({
            "format": "cmmc-tracker-package/1",
            "assessment": self.about,
            "exported_at": now.to_rfc3339(),
            "files": files,
        });
        let signature = sign(keys, &signed_bytes(&manifest));
        manifest["signature"] = json!({ "algorithm": "HMAC-SHA256", "key": "server secret (package-manifest v1)", "value": signature });
        zip.start_file(MANIFEST, options)?;
        zip.write_all(&serde_json::to_vec_pretty(&manifest).unwrap_or_default())?;
        Ok(zip.finish()?.into_inner())
    }
}

/// What [`verify`] found: empty when the package is whole.
pub type Problems = Vec<String>;

/// Checks a package: the manifest's signature, then every file it lists
/// (present, its size and SHA-256), and that no other file is in the zip.
///
/// # Errors
/// When the zip or its manifest cannot be read at all.
pub fn verify(keys: &Keys, zip: impl Read + Seek) -> Result<Problems, PackageError> {
    let mut archive = zip::ZipArchive::new(zip)?;
    let manifest: Value = {
        let mut entry = archive.by_name(MANIFEST)?;
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| PackageError::Io(std::io::Error::other(format!("{MANIFEST}: {e}"))))?
    };
    let mut problems = Vec::new();
    let given = manifest["signature"]["value"].as_str().unwrap_or_default();
    if sign(keys, &signed_bytes(&manifest)) != given {
        problems.push(format!("{MANIFEST}: the signature does not match (changed, or signed under another server secret)"));
    }
    let listed: BTreeMap<String, &Value> = manifest["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f["path"].as_str()?.to_owned(), f)))
        .collect();
    for (path, file) in &listed {
        let Ok(entry) = archive.by_name(path) else {
            problems.push(format!("{path}: listed in the manifest but missing"));
            continue;
        };
        match copy_hashed(entry, &mut std::io::sink()) {
            Ok((size, sha256))
                if Some(sha256.as_str()) == file["sha256"].as_str()
                    && Some(size) == file["size"].as_u64() => {}
            Ok(_) => {
                problems.push(format!("{path}: its SHA-256 or size differs from the manifest's"))
            }
            // The zip's own CRC-32 caught the change first.
            Err(error) => problems.push(format!("{path}: changed or damaged ({error})")),
        }
    }
    let names: Vec<String> =
        archive.file_names().filter_map(Result::ok).map(|n| n.to_string()).collect();
    for name in names {
        if name != MANIFEST && !listed.contains_key(&name) {
            problems.push(format!("{name}: in the zip but not in the manifest"));
        }
    }
    Ok(problems)
}

/// A file name for the package: the original's last path component, with
/// anything but ASCII letters, digits, `.`, `-` and `_` as `_` (so a path
/// is also a valid URI reference); `file` if empty.
#[must_use]
pub fn safe_name(original: &str) -> String {
    let base = original.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    let name = name.trim_start_matches('.');
    if name.is_empty() { "file".to_owned() } else { name.chars().take(120).collect() }
}

/// `name`, or `name` with `-2`, `-3` ... before its extension when taken.
fn unique(taken: &mut std::collections::BTreeSet<String>, dir: &str, name: &str) -> String {
    let (stem, ext) =
        name.rsplit_once('.').map_or((name, String::new()), |(s, e)| (s, format!(".{e}")));
    let mut candidate = format!("{dir}/{name}");
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{dir}/{stem}-{n}{ext}");
        n += 1;
    }
    candidate
}

/// Where each stored evidence file goes in the package, by evidence id:
/// `evidence/<practice_id>/<safe name>`, `-2`, `-3` ... when names repeat,
/// in the order given. The OSCAL results link the same paths.
#[must_use]
pub fn evidence_paths(
    answers: &[crate::assessments::PracticeAnswer],
    pieces: &[(String, crate::models::Evidence)],
) -> BTreeMap<String, String> {
    let practice: BTreeMap<&str, &str> =
        answers.iter().map(|a| (a.id.as_str(), a.practice_id.as_str())).collect();
    let mut taken = std::collections::BTreeSet::new();
    pieces
        .iter()
        .filter(|(_, e)| e.sha256.is_some())
        .map(|(answer, e)| {
            let practice_id = practice.get(answer.as_str()).copied().unwrap_or("unknown");
            let name = safe_name(e.original_filename.as_deref().unwrap_or("file"));
            (e.id.clone(), unique(&mut taken, &format!("evidence/{practice_id}"), &name))
        })
        .collect()
}

fn pretty(value: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

impl crate::Services {
    /// The package of an assessment, ready to write (see the module's
    /// description). Audited as `assessment.package`.
    ///
    /// # Errors
    /// [`crate::ServiceError::NotFound`] for an assessment the actor cannot see.
    pub async fn assessment_package(
        &self,
        actor: &crate::Actor,
        assessment_id: &str,
    ) -> Result<Package, crate::ServiceError> {
        let (results, org_id, _) = self.assessment_results_document(actor, assessment_id).await?;
        let (assessment, _, rows) = self.result_rows(actor, assessment_id).await?;
        let mut entries = vec![
            ("oscal/assessment-results.json".to_owned(), Content::Bytes(pretty(&results))),
            ("reports/results.csv".to_owned(), Content::Bytes(crate::exports::results_csv(&rows)?)),
        ];
        entries.extend(self.poam_entries(actor, assessment_id).await?);
        if let Some(ssp) = &assessment.ssp_id {
            let (plan, _) = self.oscal_ssp_document(actor, &org_id, Some(ssp)).await?;
            entries.push(("oscal/ssp.json".to_owned(), Content::Bytes(pretty(&plan))));
        }
        let evidence = self.evidence_entries(actor, assessment_id).await?;
        let files = evidence.len();
        entries.extend(evidence);
        let about = json!({
            "id": assessment.id, "title": assessment.title, "organization_id": org_id,
            "level": assessment.target_level.number(), "status": assessment.status.as_str(),
            "sprs_score": assessment.sprs_score, "cmmc_status": assessment.cmmc_status,
            "exported_by": actor.user_id,
        });
        let details = json!({ "entries": entries.len() + 1, "evidence_files": files });
        self.audit_file(actor, &org_id, "assessment.package", assessment_id, details).await?;
        Ok(Package { entries, about })
    }

    /// Each POA&M of the assessment: as CSV, and as OSCAL when it has items.
    async fn poam_entries(
        &self,
        actor: &crate::Actor,
        assessment_id: &str,
    ) -> Result<Vec<(String, Content)>, crate::ServiceError> {
        let mut entries = Vec::new();
        let today = Utc::now().date_naive();
        for summary in self.list_poams(actor, None, Some(assessment_id)).await? {
            let poam = self.get_poam(actor, &summary.id).await?;
            let rows = self.poam_rows(&poam).await?;
            let csv = crate::exports::poam_csv(&rows, today)?;
            entries.push((format!("reports/poam-{}.csv", summary.id), Content::Bytes(csv)));
            if !rows.is_empty() {
                let document = crate::oscal::poam::poam(&poam, &rows, Utc::now());
                entries.push((
                    format!("oscal/poam-{}.json", summary.id),
                    Content::Bytes(pretty(&document)),
                ));
            }
        }
        Ok(entries)
    }

    /// Every stored evidence file under `evidence/<practice_id>/`, and the
    /// links in `evidence/links.json`.
    async fn evidence_entries(
        &self,
        actor: &crate::Actor,
        assessment_id: &str,
    ) -> Result<Vec<(String, Content)>, crate::ServiceError> {
        let filter = crate::assessments::PracticeAnswerFilter::default();
        let answers = self.list_practice_answers(actor, assessment_id, filter).await?;
        let practice: BTreeMap<&str, &str> =
            answers.iter().map(|a| (a.id.as_str(), a.practice_id.as_str())).collect();
        let pieces = self.evidence_of(&answers).await?;
        let paths = evidence_paths(&answers, &pieces);
        let (mut entries, mut links) = (Vec::new(), Vec::new());
        for (answer, evidence) in &pieces {
            let practice_id = practice.get(answer.as_str()).copied().unwrap_or("unknown");
            match (&evidence.sha256, &evidence.file_url, paths.get(&evidence.id)) {
                (Some(sha256), _, Some(path)) => {
                    let file = crate::file_store::stored_path(&self.evidence.upload_dir, sha256);
                    entries.push((path.clone(), Content::File { path: file, sha256: sha256.clone() }));
                }
                (None, Some(url), _) => links.push(json!({ "practice_id": practice_id, "title": evidence.title, "url": url, "review_status": evidence.review_status.as_str() })),
                _ => {}
            }
        }
        if !links.is_empty() {
            entries.push((
                "evidence/links.json".to_owned(),
                Content::Bytes(pretty(&Value::Array(links))),
            ));
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_last_component_and_safe_characters() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\docs\\Policy v2.pdf"), "Policy_v2.pdf");
        assert_eq!(safe_name(".hidden"), "hidden");
        assert_eq!(safe_name(""), "file");
        let mut taken = std::collections::BTreeSet::new();
        assert_eq!(unique(&mut taken, "evidence/AC", "a.pdf"), "evidence/AC/a.pdf");
        assert_eq!(unique(&mut taken, "evidence/AC", "a.pdf"), "evidence/AC/a-2.pdf");
        assert_eq!(unique(&mut taken, "evidence/AC", "a.pdf"), "evidence/AC/a-3.pdf");
    }

    #[test]
    fn a_package_verifies_and_a_changed_byte_is_named() {
        let keys = Keys::derive(&"k".repeat(32)).unwrap();
        let package = Package {
            entries: vec![
                ("a.txt".into(), Content::Bytes(b"hello".to_vec())),
                ("evidence/AC/b.txt".into(), Content::Bytes(b"world".to_vec())),
            ],
            about: json!({ "id": "x" }),
        };
        let bytes = package.write_to(Vec::new(), &keys, Utc::now()).unwrap();
        assert!(verify(&keys, std::io::Cursor::new(&bytes)).unwrap().is_empty());
        let other = Keys::derive(&"j".repeat(32)).unwrap();
        assert_eq!(
            verify(&other, std::io::Cursor::new(&bytes)).unwrap().len(),
            1,
            "another secret"
        );
        let at = bytes.windows(5).position(|w| w == b"world").unwrap();
        let mut changed = bytes.clone();
        changed[at] = b'W';
        let problems = verify(&keys, std::io::Cursor::new(&changed)).unwrap();
        assert!(problems.iter().any(|p| p.starts_with("evidence/AC/b.txt")), "{problems:?}");
    }
}

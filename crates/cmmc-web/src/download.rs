//! A stored evidence file as an HTTP attachment, for the pages and the API
//! alike: its name (ASCII and UTF-8), its type, and its bytes checked
//! against their SHA-256 as they stream.

use actix_web::HttpResponse;
use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use cmmc_services::ServiceError;
use cmmc_services::evidence::{EvidenceFile, VerifiedContent};

/// An ASCII stand-in for a file name, for the plain `filename` parameter.
fn ascii_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' })
        .filter(|c| *c != '"')
        .collect()
}

/// The answer that sends `file`; a stream that stops matching its hash
/// ends with `E` (the connection is cut, never completed with wrong bytes).
pub fn attachment<E>(file: EvidenceFile) -> HttpResponse
where
    E: From<ServiceError> + Into<Box<dyn std::error::Error>> + 'static,
{
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii_name(&file.original_filename)),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: file.original_filename.into_bytes(),
            }),
        ],
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(file.media_type)
        .insert_header(disposition)
        .insert_header(("Cache-Control", "private, no-store"));
    match file.content {
        VerifiedContent::Whole(bytes) => response.body(bytes),
        VerifiedContent::Stream(stream) => {
            let chunks = futures_util::stream::unfold(stream, |mut stream| async move {
                match stream.next_chunk().await {
                    Ok(Some(chunk)) => Some((Ok(bytes::Bytes::from(chunk)), stream)),
                    Ok(None) => None,
                    Err(err) => Some((Err(E::from(err)), stream)),
                }
            });
            response.no_chunking(file.size_bytes).streaming(chunks)
        }
    }
}

/// An export (CSV, XLSX, DOCX, HTML) as an attachment under its own name.
#[must_use]
pub fn export_attachment(file: cmmc_services::exports::ExportFile) -> HttpResponse {
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(file.filename)],
    };
    HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header(disposition)
        .insert_header(("Cache-Control", "private, no-store"))
        .body(file.bytes)
}

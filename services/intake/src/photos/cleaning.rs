//! What a photo may be, and what is taken out of it before it is kept: the
//! type is read from the bytes (never from the name or the header the
//! client sent), and every metadata block (EXIF with its GPS position and
//! camera serial, XMP, IPTC, comments, text chunks) is removed, so a photo
//! says nothing of who took it or where they stood.

use aduan_platform::http::ApiError;
use axum::body::Bytes;
use img_parts::jpeg::{Jpeg, markers};
use img_parts::png::Png;

/// The largest photo taken, in bytes.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// A photo fit to keep.
#[derive(Debug, Clone)]
pub struct CleanPhoto {
    /// image/jpeg or image/png.
    pub content_type: &'static str,
    /// The image, without its metadata.
    pub bytes: Bytes,
}

fn refused(message: &str) -> ApiError {
    ApiError::invalid("invalid_photo", message.to_owned())
}

/// JPEG segments an image needs: JFIF (APP0), the colour profile (APP2) and
/// Adobe's colour transform (APP14). Every other application segment and
/// every comment is metadata.
fn keeps_jpeg_segment(marker: u8) -> bool {
    let metadata = (markers::APP0..=markers::APP15).contains(&marker)
        && !matches!(marker, markers::APP0 | markers::APP2 | markers::APP14);
    !(metadata || marker == markers::COM)
}

/// PNG chunks that carry metadata: EXIF, text of any kind, the time.
const PNG_METADATA: [[u8; 4]; 5] = [*b"eXIf", *b"tEXt", *b"iTXt", *b"zTXt", *b"tIME"];

/// Checks `bytes` is a JPEG or PNG photo of an acceptable size and strips its metadata.
pub fn clean(bytes: Bytes) -> Result<CleanPhoto, ApiError> {
    if bytes.is_empty() {
        return Err(refused("the photo is empty"));
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "photo_too_large",
            format!("a photo may be {} MB at most", MAX_PHOTO_BYTES / (1024 * 1024)),
        ));
    }
    match infer::get(&bytes).map(|kind| kind.mime_type()) {
        Some("image/jpeg") => {
            let mut jpeg = Jpeg::from_bytes(bytes).map_err(|_| refused("the JPEG photo cannot be read"))?;
            jpeg.segments_mut().retain(|segment| keeps_jpeg_segment(segment.marker()));
            Ok(CleanPhoto { content_type: "image/jpeg", bytes: jpeg.encoder().bytes() })
        }
        Some("image/png") => {
            let mut png = Png::from_bytes(bytes).map_err(|_| refused("the PNG photo cannot be read"))?;
            png.chunks_mut().retain(|chunk| !PNG_METADATA.contains(&chunk.kind()));
            Ok(CleanPhoto { content_type: "image/png", bytes: png.encoder().bytes() })
        }
        _ => Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_photo_type",
            "a photo is a JPEG or a PNG image",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 JPEG with an EXIF block naming a place and a camera.
    fn jpeg_with_exif() -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8];
        let exif = b"Exif\0\0MM\0*GPS -6.9175 107.6191 CameraSerial 12345";
        bytes.extend([0xFF, 0xE1]);
        bytes.extend(u16::try_from(exif.len() + 2).expect("a short block").to_be_bytes());
        bytes.extend(exif);
        bytes.extend(TINY_JPEG_BODY);
        bytes
    }

    /// A 1×1 grey JPEG after its SOI: quantisation, frame, Huffman tables, scan, end.
    const TINY_JPEG_BODY: &[u8] = &[
        0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x06, 0x06, 0x07, 0x06, 0x05, 0x08, 0x07, 0x07, 0x07, 0x09, 0x09, 0x08,
        0x0A, 0x0C, 0x14, 0x0D, 0x0C, 0x0B, 0x0B, 0x0C, 0x19, 0x12, 0x13, 0x0F, 0x14, 0x1D, 0x1A, 0x1F, 0x1E, 0x1D,
        0x1A, 0x1C, 0x1C, 0x20, 0x24, 0x2E, 0x27, 0x20, 0x22, 0x2C, 0x23, 0x1C, 0x1C, 0x28, 0x37, 0x29, 0x2C, 0x30,
        0x31, 0x34, 0x34, 0x34, 0x1F, 0x27, 0x39, 0x3D, 0x38, 0x32, 0x3C, 0x2E, 0x33, 0x34, 0x32, 0xFF, 0xC0, 0x00,
        0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0xFF, 0xC4,
        0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x2A, 0x9F, 0xFF, 0xD9,
    ];

    fn holds(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|window| window == needle)
    }

    #[test]
    fn exif_goes_and_the_image_stays() {
        let original = jpeg_with_exif();
        assert!(holds(&original, b"CameraSerial"));
        let clean = clean(Bytes::from(original)).expect("a JPEG");
        assert_eq!(clean.content_type, "image/jpeg");
        assert!(!holds(&clean.bytes, b"CameraSerial") && !holds(&clean.bytes, b"Exif"));
        assert!(clean.bytes.starts_with(&[0xFF, 0xD8]) && clean.bytes.ends_with(&[0xFF, 0xD9]));
        assert!(holds(&clean.bytes, &TINY_JPEG_BODY[..20]), "the image data is kept");
    }

    #[test]
    fn other_types_and_sizes_are_refused_with_their_codes() {
        let code = |bytes: Vec<u8>| clean(Bytes::from(bytes)).expect_err("refused").code;
        assert_eq!(code(b"%PDF-1.7 not a photo".to_vec()), "unsupported_photo_type");
        assert_eq!(code(b"GIF89a".to_vec()), "unsupported_photo_type");
        assert_eq!(code(Vec::new()), "invalid_photo");
        let mut huge = jpeg_with_exif();
        huge.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(code(huge), "photo_too_large");
    }
}

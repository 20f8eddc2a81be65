//! What a photo may be, and what is taken out of it before it is kept: the
//! type is read from the bytes (never from the name or the header the
//! client sent), and every metadata block (EXIF with its GPS position and
//! camera serial, XMP, IPTC, comments, text chunks) is removed, so a photo
//! says nothing of who took it or where they stood.

use aduan_platform::http::{ApiError, MAX_PHOTO_BYTES};
use axum::body::Bytes;
use img_parts::png::Png;

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

/// Markers of JPEG segments that have no length: start and end of image,
/// and the restart markers inside scans.
fn stands_alone(marker: u8) -> bool {
    matches!(marker, 0xD0..=0xD9 | 0x01)
}

/// Whether a JPEG segment with `marker` and `contents` is needed to show
/// the image: everything but application segments and comments, except
/// JFIF (APP0), a colour profile (APP2 `ICC_PROFILE`) and Adobe's colour
/// transform (APP14 `Adobe`). EXIF and XMP (APP1), the multi-picture index
/// (APP2 `MPF`), IPTC (APP13), every other APPn and comments go.
fn keeps_jpeg_segment(marker: u8, contents: &[u8]) -> bool {
    match marker {
        0xE0 => contents.starts_with(b"JFIF\0"),
        0xE2 => contents.starts_with(b"ICC_PROFILE\0"),
        0xEE => contents.starts_with(b"Adobe"),
        0xE1..=0xEF | 0xFE => false,
        _ => true,
    }
}

/// `bytes` (a JPEG) with its metadata segments removed, everywhere in the
/// file (between scans too), and nothing after the end of the image: phones
/// append further pictures (multi-picture, Ultra HDR, motion photos), each
/// with its own EXIF, after the first one's end.
fn clean_jpeg(bytes: &[u8]) -> Result<Vec<u8>, ApiError> {
    let unreadable = || refused("the JPEG photo cannot be read");
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(unreadable());
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut at = 2;
    let mut in_scan = false;
    loop {
        // Entropy-coded data: copied up to the next marker that is not a
        // stuffed 0xFF00, a restart or fill.
        if in_scan {
            let start = at;
            while at + 1 < bytes.len() {
                if bytes[at] == 0xFF && !matches!(bytes[at + 1], 0x00 | 0xD0..=0xD7 | 0xFF) {
                    break;
                }
                at += 1;
            }
            out.extend_from_slice(&bytes[start..at]);
        }
        if at + 1 >= bytes.len() || bytes[at] != 0xFF {
            return Err(unreadable());
        }
        let marker = bytes[at + 1];
        at += 2;
        if marker == 0xD9 {
            out.extend_from_slice(&[0xFF, 0xD9]);
            return Ok(out);
        }
        if marker == 0xFF {
            at -= 1; // Fill byte before a marker.
            continue;
        }
        if stands_alone(marker) {
            out.extend_from_slice(&[0xFF, marker]);
            continue;
        }
        let length = bytes.get(at..at + 2).map(|pair| usize::from(u16::from_be_bytes([pair[0], pair[1]])));
        let Some(length) = length.filter(|length| *length >= 2 && at + length <= bytes.len()) else {
            return Err(unreadable());
        };
        let contents = &bytes[at + 2..at + length];
        if keeps_jpeg_segment(marker, contents) {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(&bytes[at..at + length]);
        }
        at += length;
        in_scan = marker == 0xDA;
    }
}

/// The PNG chunks an image needs, and nothing that describes where, when
/// or by whom it was made: an allowlist, so chunks invented later (C2PA
/// provenance, vendors' own) go too.
const PNG_KEPT: [[u8; 4]; 13] = [
    *b"IHDR", *b"PLTE", *b"IDAT", *b"IEND", *b"tRNS", *b"gAMA", *b"cHRM", *b"sRGB", *b"iCCP", *b"sBIT", *b"bKGD",
    *b"pHYs", *b"cICP",
];

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
        Some("image/jpeg") => Ok(CleanPhoto { content_type: "image/jpeg", bytes: Bytes::from(clean_jpeg(&bytes)?) }),
        Some("image/png") => {
            let mut png = Png::from_bytes(bytes).map_err(|_| refused("the PNG photo cannot be read"))?;
            png.chunks_mut().retain(|chunk| PNG_KEPT.contains(&chunk.kind()));
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

    /// A 1×1 grey JPEG after its SOI: quantisation, frame, the two smallest
    /// Huffman tables, a scan of one block (DC 0, end of block), end.
    const TINY_JPEG_BODY: &[u8] = &[
        0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x06, 0x06, 0x07, 0x06, 0x05, 0x08, 0x07, 0x07, 0x07, 0x09, 0x09, 0x08,
        0x0A, 0x0C, 0x14, 0x0D, 0x0C, 0x0B, 0x0B, 0x0C, 0x19, 0x12, 0x13, 0x0F, 0x14, 0x1D, 0x1A, 0x1F, 0x1E, 0x1D,
        0x1A, 0x1C, 0x1C, 0x20, 0x24, 0x2E, 0x27, 0x20, 0x22, 0x2C, 0x23, 0x1C, 0x1C, 0x28, 0x37, 0x29, 0x2C, 0x30,
        0x31, 0x34, 0x34, 0x34, 0x1F, 0x27, 0x39, 0x3D, 0x38, 0x32, 0x3C, 0x2E, 0x33, 0x34, 0x32, 0xFF, 0xC0, 0x00,
        0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xC4, 0x00, 0x14,
        0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x3F, 0xFF, 0xD9,
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
    fn metadata_between_scans_and_pictures_after_the_end_go_too() {
        // A comment between the tables, EXIF between two scans, and a
        // second picture with its own EXIF after the end of the first.
        let mut photo = jpeg_with_exif();
        let end = photo.len() - 2;
        let comment = [[0xFF, 0xFE, 0x00, 0x0C].as_slice(), b"Taken by R"].concat();
        photo.splice(end..end, [0xFF, 0xE1, 0x00, 0x0A, b'E', b'x', b'i', b'f', 0, 0, b'G', b'P'].iter().copied());
        photo.splice(2..2, comment.iter().copied());
        photo.extend(jpeg_with_exif());
        let clean = clean(Bytes::from(photo)).expect("a JPEG");
        assert!(!holds(&clean.bytes, b"Exif") && !holds(&clean.bytes, b"Taken by"), "{:?}", clean.bytes);
        assert_eq!(clean.bytes.iter().filter(|byte| **byte == 0xD8).count(), 1, "one picture, the first");
        assert!(clean.bytes.ends_with(&[0xFF, 0xD9]));
    }

    #[test]
    fn a_png_keeps_only_the_chunks_an_image_needs() {
        let mut png = Png::from_bytes(Bytes::from_static(TINY_PNG)).expect("a PNG");
        png.chunks_mut().insert(1, img_parts::png::PngChunk::new(*b"tEXt", Bytes::from_static(b"Author\0Ratna")));
        png.chunks_mut().insert(1, img_parts::png::PngChunk::new(*b"caBX", Bytes::from_static(b"c2pa Ratna")));
        let clean = clean(png.encoder().bytes()).expect("a PNG");
        assert_eq!(clean.content_type, "image/png");
        assert!(!holds(&clean.bytes, b"Ratna"));
        assert!(holds(&clean.bytes, b"IDAT") && holds(&clean.bytes, b"IEND"));
    }

    /// A 1×1 PNG.
    const TINY_PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
        0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF,
        0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

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

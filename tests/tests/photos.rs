//! Citizens' photos: only JPEG and PNG by their bytes, five at most, their
//! metadata gone from what is kept and served; a confidential report's
//! photos for its citizen and the staff who handle it only; kept in local
//! files by `aduan dev` and in an S3-compatible store (PyPI `moto`'s
//! server) in distributed mode.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aduan_e2e::citizen::{self, FiledReport};
use aduan_e2e::dev::DevProcess;
use aduan_e2e::{ClusterOptions, ServiceName, aduan_binary, eventually, staff};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// What the EXIF block of the test photo says: it must not survive.
const EXIF_SECRET: &[u8] = b"CameraSerial 12345 GPS -6.9175 107.6191";

/// A 1×1 JPEG whose EXIF block names a camera and a place.
fn jpeg_with_exif() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE1];
    let exif = [b"Exif\0\0".as_slice(), EXIF_SECRET].concat();
    bytes.extend(u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    bytes.extend(exif);
    bytes.extend([
        0xFF, 0xDB, 0x00, 0x43, 0x00, 0x08, 0x06, 0x06, 0x07, 0x06, 0x05, 0x08, 0x07, 0x07, 0x07, 0x09, 0x09, 0x08,
        0x0A, 0x0C, 0x14, 0x0D, 0x0C, 0x0B, 0x0B, 0x0C, 0x19, 0x12, 0x13, 0x0F, 0x14, 0x1D, 0x1A, 0x1F, 0x1E, 0x1D,
        0x1A, 0x1C, 0x1C, 0x20, 0x24, 0x2E, 0x27, 0x20, 0x22, 0x2C, 0x23, 0x1C, 0x1C, 0x28, 0x37, 0x29, 0x2C, 0x30,
        0x31, 0x34, 0x34, 0x34, 0x1F, 0x27, 0x39, 0x3D, 0x38, 0x32, 0x3C, 0x2E, 0x33, 0x34, 0x32, 0xFF, 0xC0, 0x00,
        0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xC4, 0x00, 0x14,
        0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x3F, 0xFF, 0xD9,
    ]);
    bytes
}

fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

fn photos(parts: Vec<(&'static str, Vec<u8>)>) -> Form {
    parts
        .into_iter()
        .fold(Form::new(), |form, (name, bytes)| form.part(name, Part::bytes(bytes).file_name("photo.jpg")))
}

async fn upload(
    client: &reqwest::Client,
    base: &str,
    report: &FiledReport,
    secret: Option<&str>,
    form: Form,
) -> (u16, Value) {
    let mut request = client.post(format!("{base}/api/v1/reports/{}/photos", report.tracking_code)).multipart(form);
    if let Some(secret) = secret {
        request = request.header("x-report-secret", secret);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn fetch(client: &reqwest::Client, url: &str, secret: Option<&str>) -> (u16, Vec<u8>) {
    let mut request = client.get(url);
    if let Some(secret) = secret {
        request = request.header("x-report-secret", secret);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.bytes().await.unwrap().to_vec())
}

fn confidential_pothole() -> Value {
    let mut body = citizen::pothole(1);
    body["privacy"] = json!("confidential");
    body
}

/// Uploads one photo to a confidential report and checks who sees what;
/// answers the photo's URL.
async fn a_photo_is_cleaned_and_kept_private(base: &str, intake: &str) -> String {
    let client = reqwest::Client::new();
    let report = citizen::file(&client, intake, &confidential_pothole()).await;
    let secret = Some(report.secret.as_str());

    let (status, body) = upload(&client, intake, &report, None, photos(vec![("photo", jpeg_with_exif())])).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("secret_required")), "{body}");
    let pdf = b"%PDF-1.7 a document, not a photo".to_vec();
    let (status, body) = upload(&client, intake, &report, secret, photos(vec![("photo", pdf)])).await;
    assert_eq!((status, body["error"]["code"].as_str()), (415, Some("unsupported_photo_type")), "{body}");
    let (status, body) = upload(&client, intake, &report, secret, photos(vec![("picture", jpeg_with_exif())])).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("unknown_field")), "{body}");
    let six = (0..6).map(|_| ("photo", jpeg_with_exif())).collect();
    let (status, body) = upload(&client, intake, &report, secret, photos(six)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("too_many_photos")), "{body}");

    let (status, added) = upload(&client, intake, &report, secret, photos(vec![("photo", jpeg_with_exif())])).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added[0]["content_type"], "image/jpeg");
    let url = format!("{base}{}", added[0]["url"].as_str().unwrap());

    let (status, served) = fetch(&client, &url, secret).await;
    assert_eq!(status, 200);
    assert!(served.starts_with(&[0xFF, 0xD8]) && served.ends_with(&[0xFF, 0xD9]), "still a JPEG");
    assert!(!holds(&served, EXIF_SECRET) && !holds(&served, b"Exif"), "the EXIF block is gone");
    assert!(holds(&jpeg_with_exif(), EXIF_SECRET), "the upload had it");

    // A confidential report's photo: not for someone with the code alone; for the staff who handle it.
    let (status, _) = fetch(&client, &url, None).await;
    assert_eq!(status, 403);
    let (status, _) = fetch(&client, &url, Some("not-the-secret")).await;
    assert_eq!(status, 403);
    let list = format!("{intake}/api/v1/reports/{}/photos", report.tracking_code);
    eventually(Duration::from_secs(30), "the report to reach the roads agency", || async {
        let response = staff::get(&client, &list).await;
        (response.status() == 200).then_some(())
    })
    .await;
    let staff_bytes = staff::get(&client, &url).await.bytes().await.unwrap();
    assert_eq!(staff_bytes.to_vec(), served, "the handling staff see the same photo");
    let (status, _) = upload(&client, intake, &report, secret, photos(vec![("photo", b"".to_vec())])).await;
    assert_eq!(status, 422, "an empty file input is no photo");
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn in_aduan_dev_photos_are_local_files_without_their_metadata() {
    let dev = DevProcess::start().await;
    let base = dev.base_url();
    a_photo_is_cleaned_and_kept_private(&base, &base).await;
    let mut kept = 0;
    for entry in std::fs::read_dir(dev.data_dir().join("files/photos")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!holds(&bytes, EXIF_SECRET), "a stored photo keeps its EXIF");
        kept += 1;
    }
    assert_eq!(kept, 1, "refused uploads store nothing");

    // Open311: the photo as a multipart `media` part of the filing.
    let client = reqwest::Client::new();
    let form = Form::new()
        .text("api_key", aduan_accounts::DEMO_OPEN311_KEY)
        .text("service_code", "roads")
        .text("attribute[region]", "32.73")
        .text("description", "A deep pothole in front of number 12")
        .part("media", Part::bytes(jpeg_with_exif()).file_name("pothole.jpg"));
    let response = client.post(format!("{base}/open311/v2/requests.json")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let (code, secret) = (created[0]["service_request_id"].as_str().unwrap(), created[0]["secret"].as_str().unwrap());
    let listed: Value = client
        .get(format!("{base}/api/v1/reports/{code}/photos"))
        .header("x-report-secret", secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = format!("{base}{}", listed[0]["url"].as_str().unwrap());
    let (status, served) = fetch(&client, &url, Some(secret)).await;
    assert_eq!(status, 200);
    assert!(!holds(&served, EXIF_SECRET));
}

/// PyPI moto's S3 server on a free port, until dropped.
struct S3Server {
    child: tokio::process::Child,
    endpoint: String,
}

impl S3Server {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = tokio::process::Command::new(aduan_e2e::python())
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        eventually(Duration::from_secs(30), "moto's S3 server", || async {
            client.get(&endpoint).send().await.ok().map(|_| ())
        })
        .await;
        Self { child, endpoint }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn in_distributed_mode_photos_are_kept_in_an_s3_compatible_store() {
    let s3 = S3Server::start().await;
    let client = reqwest::Client::new();
    let bucket = format!("{}/aduan-photos", s3.endpoint);
    assert!(client.put(&bucket).send().await.unwrap().status().is_success(), "the bucket is made");
    let mut options = ClusterOptions::local(aduan_binary());
    for (name, value) in [
        ("ADUAN_FILES_URL", "s3://aduan-photos"),
        ("AWS_ENDPOINT", s3.endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "aduan-test"),
        ("AWS_SECRET_ACCESS_KEY", "aduan-test-secret"),
    ] {
        options.extra_env.push((name.into(), value.into()));
    }
    let cluster = aduan_e2e::start_cluster_with(options).await;
    let intake = cluster.base_url(ServiceName::Intake);
    let url = a_photo_is_cleaned_and_kept_private(&intake, &intake).await;

    // The confidential report is with Kota Bandung's roads agency: its unit's
    // officer sees the photo; another city's officer, the level above and an
    // administrator do not.
    for (grants, allowed) in [
        (["officer@bandung-dpu-roads"], true),
        (["officer@dki-bina-marga"], false),
        (["coordinator@pemkot-bandung"], false),
        (["administrator"], false),
    ] {
        let member = staff::member(&cluster, &grants).await;
        let response = client.get(&url).bearer_auth(member.bearer(&client).await).send().await.unwrap();
        assert_eq!(response.status().is_success(), allowed, "{grants:?}: {}", response.status());
    }

    // The object itself, read straight from the store with boto3 (which moto brings).
    let id = url.rsplit('/').next().unwrap();
    let read = format!(
        "import boto3, sys; s3 = boto3.client('s3', endpoint_url='{}', region_name='us-east-1', \
         aws_access_key_id='aduan-test', aws_secret_access_key='aduan-test-secret'); \
         sys.stdout.buffer.write(s3.get_object(Bucket='aduan-photos', Key='photos/{id}')['Body'].read())",
        s3.endpoint
    );
    let output = tokio::process::Command::new(aduan_e2e::python()).args(["-c", &read]).output().await.unwrap();
    assert!(output.status.success(), "the photo is in the bucket: {}", String::from_utf8_lossy(&output.stderr));
    let bytes = output.stdout;
    assert!(bytes.starts_with(&[0xFF, 0xD8]) && !holds(&bytes, EXIF_SECRET));
    cluster.destroy().await.unwrap();
}

//! What a citizen is told, in their language: an e-mail (subject and body)
//! and a short SMS for each step of their report worth telling.

use crate::filing::Language;

/// A message, ready for both channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The e-mail's subject.
    pub subject: String,
    /// The e-mail's text.
    pub body: String,
    /// The SMS.
    pub sms: String,
}

/// What the message is about.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    /// assigned, question, deferred, resolved or closed.
    pub kind: &'a str,
    /// The report's tracking code.
    pub code: &'a str,
    /// The institution holding it, if any.
    pub institution: Option<&'a str>,
    /// Where the citizen follows it.
    pub track_url: &'a str,
    /// Where the citizen stops these messages.
    pub stop_url: &'a str,
}

/// The line that says what happened.
fn headline(language: Language, kind: &str, institution: &str) -> String {
    match (language, kind) {
        (Language::En, "assigned") => format!("Your report was sent to {institution}, which must answer it."),
        (Language::En, "question") => format!("{institution} asked you a question about your report."),
        (Language::En, "deferred") => "The verifier asked you to clarify your report.".to_owned(),
        (Language::En, "resolved") => format!(
            "{institution} says your report is resolved. Accept the answer, or dispute it before the window shown \
             on your report's page ends; if you do nothing, the report closes then."
        ),
        (Language::En, "closed") => "Your report is closed.".to_owned(),
        (Language::En, "appeal_upheld") => {
            "The level above upheld the answer to your report, and the report is closed.".to_owned()
        }
        (Language::En, "closing_soon") => {
            "Your report closes in a few working days unless you accept or dispute the answer on its page.".to_owned()
        }
        (Language::En, _) => "Your report moved.".to_owned(),
        (Language::Id, "assigned") => format!("Laporan Anda diteruskan ke {institution}, yang wajib menjawabnya."),
        (Language::Id, "question") => format!("{institution} mengajukan pertanyaan tentang laporan Anda."),
        (Language::Id, "deferred") => "Verifikator meminta Anda memperjelas laporan Anda.".to_owned(),
        (Language::Id, "resolved") => format!(
            "{institution} menyatakan laporan Anda selesai. Terima jawabannya, atau sanggah sebelum batas waktu \
             yang tertera di halaman laporan Anda; bila tidak ada tanggapan, laporan ditutup saat itu."
        ),
        (Language::Id, "closed") => "Laporan Anda sudah ditutup.".to_owned(),
        (Language::Id, "appeal_upheld") => {
            "Tingkat di atasnya menguatkan jawaban atas laporan Anda, dan laporan ditutup.".to_owned()
        }
        (Language::Id, "closing_soon") => {
            "Laporan Anda akan ditutup dalam beberapa hari kerja kecuali Anda menerima atau menyanggah jawabannya \
             di halaman laporan."
                .to_owned()
        }
        (Language::Id, _) => "Ada perkembangan pada laporan Anda.".to_owned(),
    }
}

/// The message about `about`, in `language`.
pub fn render(language: Language, about: About<'_>) -> Message {
    let institution = about.institution.unwrap_or(match language {
        Language::En => "The institution",
        Language::Id => "Instansi",
    });
    let headline = headline(language, about.kind, institution);
    let code = about.code;
    let (subject_prefix, follow, stop, signature) = match language {
        Language::En => (
            "Your report",
            "Follow it, and answer, with your tracking code and secret at",
            "To get no more messages about this report",
            "aduan, the public complaints service",
        ),
        Language::Id => (
            "Laporan Anda",
            "Ikuti dan tanggapi dengan kode lacak dan kata sandi laporan Anda di",
            "Agar tidak menerima pesan lagi tentang laporan ini",
            "aduan, layanan pengaduan publik",
        ),
    };
    Message {
        subject: format!("{subject_prefix} {code}"),
        body: format!(
            "{headline}\n\n{follow}\n{}\n\n{stop}:\n{}\n\n-- \n{signature}\n",
            about.track_url, about.stop_url
        ),
        sms: format!("aduan {code}: {headline} {}", about.track_url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn about(kind: &str) -> About<'_> {
        About {
            kind,
            code: "ADU-1234-5678-9ABC",
            institution: Some("Dinas Bina Marga"),
            track_url: "https://lapor.example/track/ADU-1234-5678-9ABC",
            stop_url: "https://lapor.example/stop",
        }
    }

    #[test]
    fn every_step_is_told_in_both_languages_with_the_links() {
        for kind in crate::notifying::KINDS {
            let english = render(Language::En, about(kind));
            let indonesian = render(Language::Id, about(kind));
            assert_ne!(english.body, indonesian.body, "{kind}");
            for message in [&english, &indonesian] {
                assert!(message.subject.contains("ADU-1234-5678-9ABC"), "{kind}");
                assert!(message.body.contains("https://lapor.example/track/ADU-1234-5678-9ABC"), "{kind}");
                assert!(message.body.contains("https://lapor.example/stop"), "{kind}");
                assert!(
                    !message.body.contains("moved") && !message.body.contains("perkembangan"),
                    "{kind} has its own words"
                );
            }
        }
        assert!(render(Language::Id, about("assigned")).sms.contains("Dinas Bina Marga"));
    }
}

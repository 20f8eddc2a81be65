# Halaman aduan dalam Bahasa Indonesia. Setiap kunci di sini ada juga di ../en/aduan.ftl (diuji).

skip-to-content = Langsung ke isi
nav-label = Utama
nav-workspace = Ruang kerja
nav-verification = Antrean verifikasi
nav-administration = Administrasi
nav-account = Akun saya
sign-in = Masuk
sign-out = Keluar
signed-out = Anda sudah keluar.
footer = aduan: pengaduan pelayanan publik, dijawab dengan satu prosedur.
whole-country = Seluruh Indonesia
page-next = Halaman berikutnya
page-of = Halaman dari { $count }
rows-shown = { $count } ditampilkan

landing-title = Pengaduan pelayanan publik
landing-text = Warga menyampaikan pengaduan, aspirasi dan permintaan informasi; setiap instansi menjawabnya dengan prosedur dan tenggat yang sama.
landing-staff = Petugas: masuk ke ruang kerja Anda

sign-in-title = Masuk ke aduan
username = Nama pengguna
password = Kata sandi
totp-code = Kode dari aplikasi autentikator
totp-code-hint = Hanya jika Anda sudah memasang faktor kedua: 6 angka yang tampil di aplikasi saat ini.
totp-enrol-first = Sebelum yang lain, pasang faktor kedua Anda.

workspace-title = Ruang kerja
workspace-hello = Selamat datang, { $name }.
workspace-nothing = Akun Anda belum memiliki peran: hubungi administrator.
link-inbox = Kotak masuk
link-overdue = Terlambat
link-supporting = Kasus yang kami dukung
link-branches = Diteruskan kepada kami
link-approvals = Menunggu persetujuan
inbox-views = Daftar
inbox-empty = Tidak ada apa-apa di sini.

filter-status = Status
filter-apply = Tampilkan
filter-any = Semua
filter-overdue-first = Yang terlambat dahulu

col-tracking-code = Kode pelacakan
col-title = Judul
col-status = Status
col-detail = Rincian
days-late = terlambat { $days } hari kerja
due-on = tenggat { $date }
escalated-times = dieskalasi { $count } kali
clock-paused = dijeda, menunggu warga

case-institution = Instansi
case-category = Kategori
case-region = Wilayah
case-kind = Jenis
case-privacy = Kerahasiaan
case-tier = Tingkat
case-description = Yang ditulis warga
case-withheld = Rahasia: hanya verifikator dan instansi yang menanganinya yang dapat membaca.
case-clocks = Tenggat
case-no-clocks = Tidak ada tenggat yang berjalan.
case-actions = Yang dapat Anda lakukan sekarang
case-branches = Diteruskan ke unit
case-supporters = Instansi pendukung
case-timeline = Riwayat
case-more-entries = Langkah sebelumnya
case-pending-approval = penyelesaian menunggu persetujuan supervisor

field-follow-up = Tindak lanjut untuk warga
field-question = Pertanyaan untuk warga
field-resolution = Penyelesaian, sebagaimana akan dibaca warga
field-return-reason = Mengapa ini bukan kewenangan instansi ini
field-forward-note = Yang perlu dilakukan unit
field-support-note = Yang Anda minta dari mereka
field-review-note = Catatan (wajib bila dikembalikan)
field-contribution = Bagian instansi Anda
field-branch-answer = Jawaban unit
field-unit = Unit
field-supporter = Sebagai instansi
field-branch = Cabang
field-institution-id = Kode instansi
field-institution-id-hint = Seperti di registri, misalnya bandung-dpu.
field-archive-reason = Alasan
field-note-to-citizen = Catatan untuk warga (boleh kosong)
field-privacy-reason = Alasannya (dibaca warga)

review-legend = Keputusan Anda
review-approve = Setujui: warga melihat penyelesaiannya
review-send-back = Kembalikan kepada petugas

done-step = Selesai: { $step }.
done-proposed = Penyelesaian menunggu persetujuan supervisor.

queue-verify-by = Verifikasi paling lambat
queue-returned-by = Dikembalikan oleh
queue-duplicates = Kemungkinan duplikat
queue-merge-into = Gabungkan ke laporan ini
queue-assign = Disposisikan
queue-defer = Minta warga memperjelas
queue-archive = Arsipkan
queue-privacy = Naikkan kerahasiaan
queue-empty = Tidak ada laporan yang menunggu verifikasi.
queue-suggested = Menurut aturan, laporan ini ke { $institution }.
queue-no-suggestion = Tidak ada aturan yang menempatkannya: pilih instansinya.
tier-by-category = Sesuai jenisnya

account-name = Nama
account-roles = Peran
account-second-factor = Faktor kedua
account-totp-on = aktif
account-totp-off = belum dipasang
account-password = Kata sandi
totp-start = Pasang faktor kedua
totp-scan = Tambahkan akun ini ke aplikasi autentikator Anda, lalu ketik kode yang ditampilkannya.
totp-open-app = Buka di aplikasi autentikator
totp-secret = Atau ketik kunci ini:
totp-confirm = Konfirmasi
totp-enrolled = Faktor kedua Anda sudah aktif.
password-current = Kata sandi saat ini
password-new = Kata sandi baru
password-new-hint = 12 sampai 128 karakter, bukan kata sandi umum, bukan nama pengguna Anda.
password-change = Ganti kata sandi
password-changed = Kata sandi Anda sudah diganti.

tester-title = Ke mana laporan akan dikirim?
tester-ask = Tanyakan
tester-goes-to = Laporan akan ke { $institution }.
tester-by-rule = Berdasarkan aturan untuk wilayah { $region }.
tester-by-fallback = Berdasarkan aturan untuk { $region }, wilayah yang mencakupnya.
tester-by-national-rule = Berdasarkan aturan untuk seluruh Indonesia.
tester-by-verifier = Tidak ada aturan yang menempatkannya: verifikator nasional akan menempatkannya.
rule-title = Tambah atau ubah aturan disposisi
rule-region-hint = Kode wilayah, atau * untuk seluruh Indonesia.
rule-save = Simpan aturan
holiday-title = Tambah hari libur
holiday-date = Tanggal
holiday-name = Nama
holiday-save = Simpan hari libur
holiday-list = Hari libur mendatang
registry-changed = Registri sekarang versi { $version }.
users-title = Pengguna
user-role = Peran
user-institution-hint = Wajib untuk koordinator, petugas dan supervisor; kosong untuk seluruh Indonesia.
user-create = Buat pengguna
user-created = { $username } sekarang dapat masuk.
user-active = aktif
user-disabled = nonaktif

error-back = Kembali ke ruang kerja
error-code = Kode: { $code }
error-forbidden = Bukan untuk Anda
error-forbidden-text = Peran Anda tidak menjangkau halaman, kasus atau langkah ini.
error-not-found = Tidak ditemukan
error-not-found-text = Tidak ada apa-apa di alamat ini.
error-refused = Tidak dapat dilakukan
error-refused-text = Langkah ini tidak dapat diambil sekarang.
error-too-many = Terlalu banyak percobaan
error-too-many-text = Tunggu sebentar, lalu coba lagi.
error-unavailable = Sedang tidak tersedia
error-unavailable-text = Sebuah layanan tidak menjawab. Coba lagi sebentar lagi.
error-internal = Terjadi kesalahan
error-internal-text = Sudah dicatat. Coba lagi.
error-invalid_credentials = Nama pengguna atau kata sandi salah.
error-totp_required = Akun ini memakai faktor kedua: ketik kode dari aplikasi autentikator Anda.
error-too_many_attempts = Terlalu banyak percobaan masuk yang gagal: tunggu beberapa saat sebelum mencoba lagi.
error-weak_password = Kata sandi itu terlalu lemah: 12 sampai 128 karakter, bukan yang umum, bukan nama pengguna Anda.
error-not_permitted = Tidak satu pun peran Anda boleh melakukan ini.
error-outside_scope = Ini di luar instansi yang dijangkau peran Anda.
error-illegal_transition = Prosedur tidak mengizinkan langkah ini pada status kasus sekarang.
error-resolution_pending = Sudah ada penyelesaian yang menunggu persetujuan supervisor.
error-invalid_date = Itu bukan tanggal.

role-verifier = Verifikator
role-coordinator = Koordinator
role-officer = Petugas
role-supervisor = Supervisor
role-auditor = Auditor
role-administrator = Administrator

status-open = Terbuka
status-submitted = Diajukan
status-deferred = Menunggu penjelasan
status-assigned = Didisposisikan
status-in_follow_up = Ditindaklanjuti
status-awaiting_citizen = Menunggu warga
status-reopened = Dibuka kembali
status-resolved = Diselesaikan
status-closed = Ditutup
status-appealed = Banding
status-returned = Dikembalikan
status-archived = Diarsipkan
status-merged = Digabungkan
status-referred_to_ombudsman = Dirujuk ke Ombudsman

clock-first_follow_up = Tindak lanjut pertama
clock-resolution = Penyelesaian
clock-citizen_silence = Diamnya warga
clock-citizen_answer = Jawaban warga

branch-open = terbuka
branch-answered = dijawab
branch-withdrawn = ditarik

entry-follow_up = Tindak lanjut
entry-resolution = Penyelesaian
entry-resolution_proposed = Usulan penyelesaian
entry-resolution_sent_back = Penyelesaian dikembalikan
entry-return = Dikembalikan
entry-question = Pertanyaan kepada warga
entry-citizen_reply = Balasan warga
entry-unit_answer = Jawaban unit
entry-support = Dukungan diberikan
entry-support_requested = Dukungan diminta
entry-forwarded = Diteruskan

kind-complaint = Pengaduan
kind-aspiration = Aspirasi
kind-information_request = Permintaan informasi

privacy-public = Publik
privacy-anonymous = Anonim
privacy-confidential = Rahasia

tier-simple = Sederhana
tier-information_request = Permintaan informasi
tier-dispute_without_field_check = Sengketa tanpa pemeriksaan lapangan
tier-field_investigation = Pemeriksaan lapangan

step-follow_up = Tulis tindak lanjut
step-ask_citizen = Tanya warga
step-resolve = Selesaikan
step-return = Kembalikan: bukan kewenangan kami
step-forward = Teruskan ke unit
step-ask_support = Minta dukungan instansi lain
step-review_resolution = Tinjau usulan penyelesaian
step-contribute = Tulis bagian kami sebagai pendukung
step-answer_branch = Jawab sebagai unit

verifier-step-assignment = Didisposisikan
verifier-step-deferral = Warga diminta memperjelas
verifier-step-archival = Diarsipkan
verifier-step-merger = Digabungkan
verifier-step-privacy = Kerahasiaan dinaikkan

archive-not_public_service = Bukan tentang pelayanan publik
archive-too_vague = Terlalu samar untuk ditindaklanjuti
archive-spam = Spam

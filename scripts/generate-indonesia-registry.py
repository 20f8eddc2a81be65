#!/usr/bin/env python3
"""Writes aduan's registry seed for Indonesia from the npm package idn-area-data.

    npm pack idn-area-data@4.0.1 && tar xzf idn-area-data-4.0.1.tgz
    scripts/generate-indonesia-registry.py package/data > services/registry/data/indonesia/registry.toml
    scripts/generate-indonesia-registry.py package/data --check services/registry/data/indonesia/registry.toml

This script is the one way the seed is made. It reads no clock, no network and
no environment, and refuses any input but the two files it was written for
(their sha256 is pinned below), so running it twice gives the same bytes;
--check regenerates and compares byte for byte (exit status 1 on a difference).
It needs only the Python standard library.

Regions (38 provinces, 514 regencies and cities) and their Kemendagri codes
come from the package's provinces.csv and regencies.csv (data under the Open
Database License; see services/registry/data/indonesia/NOTICE.md). The
institutions, units, categories and rules are aduan's, built from the division
of authority in UU 23/2014 (Lampiran I, the matrix of concurrent affairs) and
the laws named beside each rule; every rule carries its legal source in the
seed (`source`), and every institution the categories it answers for
(`remit`). The holidays are the government's decrees, cited where they are
written below.

Primary sources (see NOTICE.md beside the seed for how each was checked):
- UU 23/2014 tentang Pemerintahan Daerah, Pasal 10 (absolute affairs), Pasal 91
  (the governor as the central government's representative over regencies and
  cities), Pasal 373 (general supervision by the Home Affairs minister,
  technical supervision by the sectoral ministers), Lampiran I (matrix) huruf
  A Pendidikan, B Kesehatan, C PUPR, E Trantibum dan Linmas, F Sosial,
  J Pertanahan, K Lingkungan Hidup, L Adminduk dan Capil, O Perhubungan
  (as published on peraturan.go.id and jdih.setneg.go.id).
- UU 14/2008 tentang Keterbukaan Informasi Publik, Pasal 13 (every public body
  appoints its PPID); Permendagri 3/2017 (PPID of regional governments).
- UU 24/2011 tentang BPJS, Pasal 5-6; PP 24/1997 tentang Pendaftaran Tanah,
  Pasal 5-6 (land registration by BPN and its land offices).
- Perpres 139/2024 (ministries of the 2024-2029 cabinet: Kementerian
  Pekerjaan Umum, Kementerian Pendidikan Dasar dan Menengah, Kementerian
  Pendidikan Tinggi, Sains, dan Teknologi, Kementerian Lingkungan Hidup).
- UU 14/2025 (third amendment of UU 8/2019 on hajj and umrah), Pasal 106A, and
  Perpres 92/2025 tentang Kementerian Haji dan Umrah (8 September 2025, JDIH
  Kemensetneg): hajj and umrah moved from Kementerian Agama to the new
  ministry, which absorbed Badan Penyelenggara Haji.
- UU 29/2007 tentang Pemprov DKI Jakarta, Pasal 9 ayat (1): Jakarta's autonomy
  sits at the province; its kota and kabupaten administrasi are not autonomous.
  UU 2/2024 (Provinsi Daerah Khusus Jakarta, Pasal 3 ayat (1)) keeps autonomy
  at the province and takes effect only with the Keppres moving the capital
  (Pasal 73), so the name stays "Daerah Khusus Ibukota Jakarta" here.
- UU 11/2006 tentang Pemerintahan Aceh (the province's government is
  "Pemerintah Aceh"); UU 13/2012 tentang Keistimewaan DIY ("Pemerintah Daerah
  DIY").
- Perpres 76/2013 tentang Pengelolaan Pengaduan Pelayanan Publik (SP4N; the
  national manager at KemenPANRB).
"""

import csv
import hashlib
import io
import sys
from pathlib import Path

SOURCE_PACKAGE = "idn-area-data 4.0.1"
# The inputs this script was checked against: another version may rename or
# renumber regions, which must be reviewed before it reaches the seed.
INPUT_SHA256 = {
    "provinces.csv": "ee9e5b5aaca298c41aef1aa0888285e103856f1414134bbb7afc68b294c9a89d",
    "regencies.csv": "d5fbd54bb1500bbf5e194ddc94a3806df6e6837a310146dfa646b085bd99c0ae",
}

# Names the source data spells differently from the law and the government
# itself. Kemendagri's code table (as transcribed by idn-area-data) writes
# "Fak Fak"; the regency is "Kabupaten Fakfak" in UU 26/2002 (which split
# Kaimana from it) and in its own Perda and site (fakfakkab.go.id).
NAME_CORRECTIONS = {
    "92.03": "Kabupaten Fakfak",
}

VERIFIER = "sp4n-verifier"

# (id, official name, the categories it answers for)
NATIONAL = [
    (VERIFIER, "Pengelola Nasional SP4N-LAPOR! (Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi)", ["other"]),
    ("kemendagri", "Kementerian Dalam Negeri", ["population_admin"]),
    ("kemenpu", "Kementerian Pekerjaan Umum", ["roads"]),
    ("kemenkes", "Kementerian Kesehatan", ["health_services"]),
    ("kemendikdasmen", "Kementerian Pendidikan Dasar dan Menengah", ["education", "secondary_education"]),
    ("kemdiktisaintek", "Kementerian Pendidikan Tinggi, Sains, dan Teknologi", ["higher_education"]),
    ("kemensos", "Kementerian Sosial", ["social_assistance"]),
    ("kemenhub", "Kementerian Perhubungan", ["transport"]),
    ("kemenag", "Kementerian Agama", ["religious_affairs"]),
    ("kemenhaj", "Kementerian Haji dan Umrah", ["hajj_umrah"]),
    ("atr-bpn", "Kementerian Agraria dan Tata Ruang/Badan Pertanahan Nasional", ["land"]),
    ("klh", "Kementerian Lingkungan Hidup/Badan Pengendalian Lingkungan Hidup", ["environment"]),
    ("bpjs-kesehatan", "Badan Penyelenggara Jaminan Sosial Kesehatan (BPJS Kesehatan)", ["health_insurance"]),
    ("bpjs-ketenagakerjaan", "Badan Penyelenggara Jaminan Sosial Ketenagakerjaan (BPJS Ketenagakerjaan)", ["employment_insurance"]),
]

L1 = "UU 23/2014 Lampiran I"
JAKARTA_AUTONOMY = (
    "UU 29/2007 Pasal 9 ayat (1): otonomi Jakarta pada tingkat provinsi, sehingga Pemprov DKI menjalankan pula "
    "urusan kabupaten/kota"
)
GOVERNOR_AS_CENTRAL = (
    "UU 23/2014 Pasal 91: gubernur sebagai wakil Pemerintah Pusat membina dan mengawasi urusan kabupaten/kota; "
    "laporan tanpa kabupaten/kota ditangani dinas provinsi yang membidangi"
)

# A category: (id, name shown to citizens, tier, national rule, province rule, regency rule).
# Each rule is (institution, legal source) or None. The national rule is for
# `*` (no region, or every local one returned it); the province rule is for a
# report filed at the province's own code and for regencies without a rule of
# their own; the regency rule is each regency's and city's (in Jakarta, whose
# regencies and cities are not autonomous, the province's rule applies).
CATEGORIES = [
    ("roads", "Jalan dan jembatan", "field_investigation",
     ("kemenpu", f"{L1} huruf C (PUPR), sub-urusan Jalan: penyelenggaraan jalan nasional oleh Pemerintah Pusat"),
     f"{L1} huruf C (PUPR), sub-urusan Jalan: penyelenggaraan jalan provinsi oleh Daerah provinsi",
     f"{L1} huruf C (PUPR), sub-urusan Jalan: penyelenggaraan jalan kabupaten/kota oleh Daerah kabupaten/kota"),
    ("health_services", "Layanan kesehatan (puskesmas, rumah sakit)", "dispute_without_field_check",
     ("kemenkes", f"{L1} huruf B (Kesehatan), sub-urusan Upaya Kesehatan: UKP rujukan nasional/lintas provinsi (rumah sakit vertikal)"),
     f"{L1} huruf B (Kesehatan), sub-urusan Upaya Kesehatan: UKP rujukan dan UKM tingkat Daerah provinsi (RSUD provinsi)",
     f"{L1} huruf B (Kesehatan), sub-urusan Upaya Kesehatan: UKP dan UKM Daerah kabupaten/kota (puskesmas, RSUD kabupaten/kota)"),
    ("health_insurance", "Jaminan kesehatan (BPJS Kesehatan)", "dispute_without_field_check",
     ("bpjs-kesehatan", "UU 24/2011 Pasal 5 ayat (2) huruf a dan Pasal 6 ayat (1): BPJS Kesehatan menyelenggarakan program jaminan kesehatan"),
     None, None),
    ("employment_insurance", "Jaminan sosial ketenagakerjaan (BPJS Ketenagakerjaan)", "dispute_without_field_check",
     ("bpjs-ketenagakerjaan", "UU 24/2011 Pasal 5 ayat (2) huruf b dan Pasal 6 ayat (2): BPJS Ketenagakerjaan menyelenggarakan jaminan kecelakaan kerja, hari tua, pensiun dan kematian"),
     None, None),
    ("education", "Pendidikan dasar dan PAUD (TK, SD, SMP, pendidikan kesetaraan)", "dispute_without_field_check",
     ("kemendikdasmen", f"{L1} huruf A (Pendidikan), sub-urusan Manajemen Pendidikan: penetapan standar nasional pendidikan oleh Pemerintah Pusat"),
     GOVERNOR_AS_CENTRAL,
     f"{L1} huruf A (Pendidikan), sub-urusan Manajemen Pendidikan: pengelolaan pendidikan dasar, PAUD dan pendidikan nonformal oleh Daerah kabupaten/kota"),
    ("secondary_education", "Pendidikan menengah dan khusus (SMA, SMK, SLB)", "dispute_without_field_check",
     ("kemendikdasmen", f"{L1} huruf A (Pendidikan), sub-urusan Manajemen Pendidikan: penetapan standar nasional pendidikan oleh Pemerintah Pusat"),
     f"{L1} huruf A (Pendidikan), sub-urusan Manajemen Pendidikan: pengelolaan pendidikan menengah (SMA/SMK) dan pendidikan khusus (SLB) oleh Daerah provinsi",
     None),
    ("higher_education", "Pendidikan tinggi (perguruan tinggi)", "dispute_without_field_check",
     ("kemdiktisaintek", f"{L1} huruf A (Pendidikan), sub-urusan Manajemen Pendidikan: pengelolaan pendidikan tinggi oleh Pemerintah Pusat (Perpres 139/2024)"),
     None, None),
    ("population_admin", "Administrasi kependudukan (KTP, KK, akta)", "simple",
     ("kemendagri", f"{L1} huruf L (Administrasi Kependudukan dan Pencatatan Sipil): pembinaan nasional oleh Pemerintah Pusat (Ditjen Dukcapil)"),
     f"{L1} huruf L (Administrasi Kependudukan dan Pencatatan Sipil): koordinasi penyelenggaraan pendaftaran penduduk dan pencatatan sipil oleh Daerah provinsi",
     f"{L1} huruf L (Administrasi Kependudukan dan Pencatatan Sipil): pelayanan pendaftaran penduduk dan pencatatan sipil oleh Daerah kabupaten/kota (UU 24/2013)"),
    ("social_assistance", "Bantuan sosial", "dispute_without_field_check",
     ("kemensos", f"{L1} huruf F (Sosial), sub-urusan Perlindungan dan Jaminan Sosial: program jaminan dan bantuan sosial nasional oleh Pemerintah Pusat"),
     f"{L1} huruf F (Sosial): rehabilitasi sosial dasar di dalam panti dan perlindungan sosial korban bencana oleh Daerah provinsi",
     f"{L1} huruf F (Sosial): pengelolaan data fakir miskin, rehabilitasi sosial dasar di luar panti dan perlindungan sosial oleh Daerah kabupaten/kota"),
    ("land", "Pertanahan (sertifikat, pengukuran, pendaftaran tanah)", "field_investigation",
     ("atr-bpn", "PP 24/1997 Pasal 5-6: pendaftaran tanah diselenggarakan BPN dan dilaksanakan kantor pertanahan (instansi vertikal); urusan pertanahan daerah terbatas (UU 23/2014 Lampiran I huruf J)"),
     None, None),
    ("transport", "Transportasi dan perhubungan", "field_investigation",
     ("kemenhub", f"{L1} huruf O (Perhubungan), sub-urusan LLAJ: jalan nasional, terminal tipe A, angkutan antarkota antarprovinsi; kereta api, laut dan udara oleh Pemerintah Pusat"),
     f"{L1} huruf O (Perhubungan), sub-urusan LLAJ: lalu lintas jalan provinsi, terminal tipe B, angkutan antarkota dalam provinsi oleh Daerah provinsi",
     f"{L1} huruf O (Perhubungan), sub-urusan LLAJ: lalu lintas jalan kabupaten/kota, terminal tipe C, angkutan dalam kabupaten/kota, parkir oleh Daerah kabupaten/kota"),
    ("religious_affairs", "Layanan keagamaan (KUA, nikah, madrasah)", "simple",
     ("kemenag", "UU 23/2014 Pasal 10 ayat (1) huruf f: agama urusan absolut Pemerintah Pusat (Kementerian Agama dan kantornya di daerah)"),
     None, None),
    ("hajj_umrah", "Penyelenggaraan ibadah haji dan umrah", "dispute_without_field_check",
     ("kemenhaj", "UU 14/2025 Pasal 106A dan Perpres 92/2025: penyelenggaraan haji dan umrah dialihkan dari Kementerian Agama ke Kementerian Haji dan Umrah"),
     None, None),
    ("public_order", "Ketertiban umum", "field_investigation",
     None,
     f"{L1} huruf E (Trantibum dan Linmas): penanganan gangguan ketenteraman dan ketertiban umum lintas kabupaten/kota dalam 1 Daerah provinsi (Satpol PP)",
     f"{L1} huruf E (Trantibum dan Linmas): penanganan gangguan ketenteraman dan ketertiban umum dalam 1 Daerah kabupaten/kota (Satpol PP)"),
    ("environment", "Lingkungan hidup dan persampahan", "field_investigation",
     ("klh", f"{L1} huruf K (Lingkungan Hidup), sub-urusan Pengaduan Lingkungan Hidup: pengaduan atas usaha/kegiatan yang izinnya diterbitkan Pemerintah Pusat"),
     f"{L1} huruf K (Lingkungan Hidup), sub-urusan Persampahan dan Pengaduan LH: sampah di TPA/TPST regional; pengaduan atas usaha berizin provinsi",
     f"{L1} huruf K (Lingkungan Hidup), sub-urusan Persampahan dan Pengaduan LH: pengelolaan sampah; pengaduan atas usaha berizin kabupaten/kota"),
    ("public_information", "Permintaan informasi publik", "information_request",
     # No national rule: a request with no region goes to the national
     # verifier, who sends it to the public body that holds the information.
     None,
     "UU 14/2008 Pasal 13 dan Permendagri 3/2017: permohonan informasi dilayani PPID badan publik yang menguasai informasi; PPID Utama provinsi meneruskan ke PPID pelaksana",
     "UU 14/2008 Pasal 13 dan Permendagri 3/2017: permohonan informasi dilayani PPID badan publik yang menguasai informasi; PPID Utama kabupaten/kota meneruskan ke PPID pelaksana"),
    # No rule: the national verifier reads it and places it by hand.
    ("other", "Lainnya", "simple", None, None, None),
]
CATEGORY_IDS = [c[0] for c in CATEGORIES]
PROVINCE_REMIT = [c[0] for c in CATEGORIES if c[4]]
# A regency answers the categories the province hands down to it; secondary
# education stays with the province even when filed in a regency.
REGENCY_REMIT = [c[0] for c in CATEGORIES if c[5]]

# The standard agencies (OPD, PP 18/2016 tentang Perangkat Daerah) that answer
# the local categories: (id suffix, name before the region, remit). Real names
# vary where a government merged agencies (PP 18/2016 allows it); an
# administrator renames them through the registry's admin API, ids stay.
OPD = [
    ("pu", "Dinas Pekerjaan Umum dan Penataan Ruang", ["roads"]),
    ("dinkes", "Dinas Kesehatan", ["health_services"]),
    ("disdik", "Dinas Pendidikan", ["education", "secondary_education"]),
    ("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil", ["population_admin"]),
    ("dinsos", "Dinas Sosial", ["social_assistance"]),
    ("dlh", "Dinas Lingkungan Hidup", ["environment"]),
    ("dishub", "Dinas Perhubungan", ["transport"]),
    ("satpolpp", "Satuan Polisi Pamong Praja", ["public_order"]),
    ("ppid", "Pejabat Pengelola Informasi dan Dokumentasi Utama", ["public_information"]),
]
ACEH = "11"
JAKARTA = "31"
YOGYAKARTA = "34"
# Aceh's Satpol PP includes the Wilayatul Hisbah (UU 11/2006 and its qanun).
ACEH_SATPOLPP = "Satuan Polisi Pamong Praja dan Wilayatul Hisbah"
# Jakarta's roads agency is Dinas Bina Marga; its agencies keep a Suku Dinas
# ("unit kerja Dinas pada Kota/Kabupaten Administrasi") in each administrative
# city and regency, below the provincial Dinas.
JAKARTA_OPD_NAMES = {"pu": "Dinas Bina Marga"}

# Provinces outside Western Indonesia Time (WIB, UTC+7), by Keppres 41/1987 on
# Indonesia's three time zones, with the provinces created since placed in
# the zone of the province they came from.
WITA = "+08:00"  # Central Indonesia Time
WIT = "+09:00"  # Eastern Indonesia Time
PROVINCE_UTC_OFFSETS = {
    "51": WITA,  # Bali
    "52": WITA,  # Nusa Tenggara Barat
    "53": WITA,  # Nusa Tenggara Timur
    "63": WITA,  # Kalimantan Selatan
    "64": WITA,  # Kalimantan Timur
    "65": WITA,  # Kalimantan Utara
    "71": WITA,  # Sulawesi Utara
    "72": WITA,  # Sulawesi Tengah
    "73": WITA,  # Sulawesi Selatan
    "74": WITA,  # Sulawesi Tenggara
    "75": WITA,  # Gorontalo
    "76": WITA,  # Sulawesi Barat
    "81": WIT,  # Maluku
    "82": WIT,  # Maluku Utara
    "91": WIT,  # Papua
    "92": WIT,  # Papua Barat
    "93": WIT,  # Papua Selatan
    "94": WIT,  # Papua Tengah
    "95": WIT,  # Papua Pegunungan
    "96": WIT,  # Papua Barat Daya
}

# SKB Menteri Agama, Menteri Ketenagakerjaan and Menteri PANRB No. 1497, 2 and 5 of 2025.
HOLIDAYS_2026 = [
    ("2026-01-01", "Tahun Baru 2026 Masehi"),
    ("2026-01-16", "Isra Mikraj Nabi Muhammad SAW"),
    ("2026-02-16", "Cuti bersama Tahun Baru Imlek"),
    ("2026-02-17", "Tahun Baru Imlek 2577 Kongzili"),
    ("2026-03-18", "Cuti bersama Hari Suci Nyepi"),
    ("2026-03-19", "Hari Suci Nyepi (Tahun Baru Saka 1948)"),
    ("2026-03-20", "Cuti bersama Idul Fitri 1447 H"),
    ("2026-03-21", "Idul Fitri 1447 H"),
    ("2026-03-22", "Idul Fitri 1447 H"),
    ("2026-03-23", "Cuti bersama Idul Fitri 1447 H"),
    ("2026-03-24", "Cuti bersama Idul Fitri 1447 H"),
    ("2026-04-03", "Wafat Yesus Kristus"),
    ("2026-04-05", "Kebangkitan Yesus Kristus (Paskah)"),
    ("2026-05-01", "Hari Buruh Internasional"),
    ("2026-05-14", "Kenaikan Yesus Kristus"),
    ("2026-05-15", "Cuti bersama Kenaikan Yesus Kristus"),
    ("2026-05-27", "Idul Adha 1447 H"),
    ("2026-05-28", "Cuti bersama Idul Adha 1447 H"),
    ("2026-05-31", "Hari Raya Waisak 2570 BE"),
    ("2026-06-01", "Hari Lahir Pancasila"),
    ("2026-06-16", "1 Muharam Tahun Baru Islam 1448 H"),
    ("2026-08-17", "Proklamasi Kemerdekaan"),
    ("2026-08-25", "Maulid Nabi Muhammad SAW"),
    ("2026-12-24", "Cuti bersama Kelahiran Yesus Kristus"),
    ("2026-12-25", "Kelahiran Yesus Kristus"),
]

# SKB 3 Menteri on the national holidays and collective leave of 2027
# (setneg.go.id, "Inilah SKB 3 Menteri Libur Nasional dan Cuti Bersama 2027"),
# as transcribed by the PyPI package holidays 0.109 (MIT), which agrees with
# the 2026 decree above day for day. The Idul Fitri and Idul Adha dates are
# the decree's; the government confirms them at its isbat session, and a
# change goes in through the registry's admin API.
HOLIDAYS_2027 = [
    ("2027-01-01", "Tahun Baru 2027 Masehi"),
    ("2027-01-05", "Isra Mikraj Nabi Muhammad SAW"),
    ("2027-02-05", "Cuti bersama Tahun Baru Imlek"),
    ("2027-02-06", "Tahun Baru Imlek 2578 Kongzili"),
    ("2027-03-08", "Hari Suci Nyepi (Tahun Baru Saka 1949)"),
    ("2027-03-09", "Cuti bersama Idul Fitri 1448 H"),
    ("2027-03-10", "Idul Fitri 1448 H"),
    ("2027-03-11", "Idul Fitri 1448 H"),
    ("2027-03-12", "Cuti bersama Idul Fitri 1448 H"),
    ("2027-03-15", "Cuti bersama Idul Fitri 1448 H"),
    ("2027-03-25", "Cuti bersama Wafat Yesus Kristus"),
    ("2027-03-26", "Wafat Yesus Kristus"),
    ("2027-03-28", "Kebangkitan Yesus Kristus (Paskah)"),
    ("2027-05-01", "Hari Buruh Internasional"),
    ("2027-05-06", "Kenaikan Yesus Kristus"),
    ("2027-05-17", "Idul Adha 1448 H"),
    ("2027-05-18", "Cuti bersama Idul Adha 1448 H"),
    ("2027-05-19", "Cuti bersama Hari Raya Waisak"),
    ("2027-05-20", "Hari Raya Waisak 2571 BE"),
    ("2027-06-01", "Hari Lahir Pancasila"),
    ("2027-06-06", "1 Muharam Tahun Baru Islam 1449 H"),
    ("2027-08-15", "Maulid Nabi Muhammad SAW"),
    ("2027-08-17", "Proklamasi Kemerdekaan"),
    ("2027-12-24", "Cuti bersama Kelahiran Yesus Kristus"),
    ("2027-12-25", "Kelahiran Yesus Kristus"),
    ("2027-12-26", "Isra Mikraj Nabi Muhammad SAW"),
]

# 2028: the joint decree (SKB 3 Menteri) for 2028 had not been published as of
# November 2026 (each year's comes out in the second half of the year before),
# so the seed's calendar ends with 2027. Add 2028 here, with its decree's
# number, once it is published; aduan warns at start when the calendar has
# fewer than 90 days left (aduan_registry::calendar_warning).


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_list(items):
    return "[" + ", ".join(quote(item) for item in items) + "]"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def province_government(code, name):
    """The province government's id, its name, and the words its agencies' names end with."""
    if code == ACEH:
        return f"pemprov-{code}", "Pemerintah Aceh", "Aceh"
    if code == YOGYAKARTA:
        return f"pemprov-{code}", "Pemerintah Daerah Daerah Istimewa Yogyakarta", "Daerah Istimewa Yogyakarta"
    if code == JAKARTA:
        return f"pemprov-{code}", f"Pemerintah Provinsi {name}", "Provinsi DKI Jakarta"
    return f"pemprov-{code}", f"Pemerintah Provinsi {name}", f"Provinsi {name}"


def regency_government(code, name):
    prefix = "pemkot-" if name.startswith("Kota") else "pemkab-"
    return prefix + code, f"Pemerintah {name}"


def opd_name(base, suffix, province_code, place):
    if suffix == "satpolpp" and province_code == ACEH:
        base = ACEH_SATPOLPP
    if province_code == JAKARTA:
        base = JAKARTA_OPD_NAMES.get(suffix, base)
    return f"{base} {place}"


def opd_remit(remit, allowed):
    return [category for category in remit if category in allowed]


def load(data_dir):
    data = Path(data_dir)
    for file, expected in INPUT_SHA256.items():
        actual = sha256(data / file)
        if actual != expected:
            sys.exit(f"{data / file}: sha256 {actual}, expected {expected} ({SOURCE_PACKAGE}); review the new data first")
    with open(data / "provinces.csv", newline="", encoding="utf-8") as f:
        provinces = [(row["code"], row["name"]) for row in csv.DictReader(f)]
    with open(data / "regencies.csv", newline="", encoding="utf-8") as f:
        regencies = [
            (row["code"], row["province_code"], NAME_CORRECTIONS.get(row["code"], row["name"]))
            for row in csv.DictReader(f)
        ]
    return provinces, regencies


def institution_line(ident, name, level, parent=None, remit=()):
    fields = [f"id = {quote(ident)}", f"name = {quote(name)}", f"level = {quote(level)}"]
    if parent:
        fields.append(f"parent = {quote(parent)}")
    if remit:
        fields.append(f"remit = {quote_list(remit)}")
    return "  { " + ", ".join(fields) + " },\n"


def rule_line(category, region, institution, source):
    return (
        f"  {{ category = {quote(category)}, region = {quote(region)}, institution = {quote(institution)},"
        f" source = {quote(source)} }},\n"
    )


def render(provinces, regencies):
    out = io.StringIO()
    out.write("# aduan's registry seed for Indonesia. Generated by scripts/generate-indonesia-registry.py;\n")
    out.write(f"# edit the script, not this file. Region codes and names: {SOURCE_PACKAGE} (ODbL, see NOTICE.md),\n")
    for file, digest in INPUT_SHA256.items():
        out.write(f"# {file} sha256 {digest}.\n")
    out.write(f"version = 1\nnational_verifier = {quote(VERIFIER)}\n\n")

    out.write("# Ministries and national agencies have no parent: above them is the national verifier.\n")
    out.write("# A province's parent is the national verifier, not the Home Affairs ministry: supervision of\n")
    out.write("# a province is general (Kemendagri) or technical (the sectoral ministry, UU 23/2014 Pasal 373),\n")
    out.write("# so an appeal or escalation above a province goes to SP4N's national manager (Perpres 76/2013),\n")
    out.write("# who reassigns it to the ministry that supervises the matter. A regency's or city's parent is\n")
    out.write("# its province, whose governor supervises it for the central government (UU 23/2014 Pasal 91).\n")
    out.write("# Jakarta's administrative cities and regency are units of Pemprov DKI (UU 29/2007 Pasal 9 ayat (1)).\n")
    out.write("institution = [\n")
    for ident, name, remit in NATIONAL:
        out.write(institution_line(ident, name, "national", remit=remit))
    for code, name in provinces:
        ident, full, _ = province_government(code, name)
        out.write(institution_line(ident, full, "province", VERIFIER, PROVINCE_REMIT))
    for code, province, name in regencies:
        if province == JAKARTA:
            continue
        ident, full = regency_government(code, name)
        out.write(institution_line(ident, full, "regency", f"pemprov-{province}", REGENCY_REMIT))
    # Units: the standard agencies of every government, so that its
    # coordinator can forward (disposisi) on the real seed.
    for code, name in provinces:
        government, _, place = province_government(code, name)
        for suffix, base, remit in OPD:
            unit = f"{government}-{suffix}"
            out.write(institution_line(unit, opd_name(base, suffix, code, place), "unit", government, opd_remit(remit, PROVINCE_REMIT)))
    jakarta = [(code, name) for code, province, name in regencies if province == JAKARTA]
    for code, name in jakarta:
        # The administrative city or regency itself: its mayor or regent is an
        # official of the province, coordinating the Suku Dinas below.
        ident, full = regency_government(code, name)
        out.write(institution_line(ident, full, "unit", f"pemprov-{JAKARTA}"))
    for suffix, base, remit in OPD:
        if suffix == "ppid":
            continue
        dinas = f"pemprov-{JAKARTA}-{suffix}"
        base = JAKARTA_OPD_NAMES.get(suffix, base)
        for code, name in jakarta:
            sudin = "Satuan Polisi Pamong Praja" if suffix == "satpolpp" else base.replace("Dinas ", "Suku Dinas ", 1)
            out.write(institution_line(f"{dinas}-{code}", f"{sudin} {name}", "unit", dinas, opd_remit(remit, PROVINCE_REMIT)))
    for code, province, name in regencies:
        if province == JAKARTA:
            continue
        government, _ = regency_government(code, name)
        for suffix, base, remit in OPD:
            unit = f"{government}-{suffix}"
            out.write(institution_line(unit, opd_name(base, suffix, province, name), "unit", government, opd_remit(remit, REGENCY_REMIT)))
    out.write("]\n\nregion = [\n")
    for code, name in provinces:
        offset = PROVINCE_UTC_OFFSETS.get(code)
        zone = f", utc_offset = {quote(offset)}" if offset else ""
        out.write(f"  {{ code = {quote(code)}, name = {quote(name)}{zone} }},\n")
    for code, province, name in regencies:
        out.write(f"  {{ code = {quote(code)}, name = {quote(name)}, parent = {quote(province)} }},\n")
    out.write("]\n\ncategory = [\n")
    for ident, name, tier, *_ in CATEGORIES:
        out.write(f"  {{ id = {quote(ident)}, name = {quote(name)}, tier = {quote(tier)} }},\n")

    out.write("]\n\n# Each rule names the law that gives the matter to that level. Jakarta's administrative cities\n")
    out.write("# and regency have no rules of their own: the province's rule applies there.\n")
    out.write("rule = [\n")
    for ident, _, _, national, by_province, by_regency in CATEGORIES:
        if national:
            institution, source = national
            out.write(rule_line(ident, "*", institution, source))
        if by_province:
            for code, _ in provinces:
                source = by_province
                # In Jakarta the province also does what a regency does
                # elsewhere; an information request is the same either way.
                if code == JAKARTA and by_regency and ident != "public_information":
                    source = f"{JAKARTA_AUTONOMY}; {by_regency}"
                out.write(rule_line(ident, code, f"pemprov-{code}", source))
        if by_regency:
            for code, province, name in regencies:
                if province == JAKARTA:
                    continue
                institution, _ = regency_government(code, name)
                out.write(rule_line(ident, code, institution, by_regency))
    out.write("]\n\n[calendar]\n# WIB, the western zone; provinces in WITA and WIT say so above.\nutc_offset = \"+07:00\"\n")
    out.write("working_days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\n")
    out.write("# National holidays and collective leave of 2026 and 2027. The 2028 decree was not yet\n")
    out.write("# published in November 2026; aduan warns at start when fewer than 90 days are left.\n")
    out.write("holiday = [\n")
    for date, name in HOLIDAYS_2026 + HOLIDAYS_2027:
        out.write(f"  {{ date = {quote(date)}, name = {quote(name)} }},\n")
    out.write("]\n")
    return out.getvalue()


def main(argv):
    if len(argv) == 2:
        sys.stdout.write(render(*load(argv[1])))
        return 0
    if len(argv) == 4 and argv[2] == "--check":
        expected = render(*load(argv[1]))
        actual = Path(argv[3]).read_text(encoding="utf-8")
        if actual != expected:
            sys.stderr.write(f"{argv[3]} differs from what the generator writes: regenerate it\n")
            return 1
        return 0
    sys.stderr.write("usage: generate-indonesia-registry.py <idn-area-data's data folder> [--check registry.toml]\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Writes aduan's registry seed for Indonesia from the npm package idn-area-data.

    npm pack idn-area-data@4.0.1 && tar xzf idn-area-data-4.0.1.tgz
    scripts/generate-indonesia-registry.py package/data > services/registry/data/indonesia/registry.toml

Regions (38 provinces, 514 regencies and cities) and their Kemendagri codes
come from the package's provinces.csv and regencies.csv (data under the Open
Database License; see services/registry/data/indonesia/NOTICE.md). The
institutions, categories and rules are aduan's; the holidays are the
government's decrees, cited where they are written below.
"""

import csv
import sys
from pathlib import Path

NATIONAL = [
    ("sp4n-verifier", "Pengelola Nasional SP4N-LAPOR! (KemenPANRB)"),
    ("kemendagri", "Kementerian Dalam Negeri"),
    ("kemenpu", "Kementerian Pekerjaan Umum"),
    ("kemenkes", "Kementerian Kesehatan"),
    ("kemendikdasmen", "Kementerian Pendidikan Dasar dan Menengah"),
    ("kemensos", "Kementerian Sosial"),
    ("kemenhub", "Kementerian Perhubungan"),
    ("kemenag", "Kementerian Agama"),
    ("atr-bpn", "Kementerian Agraria dan Tata Ruang/Badan Pertanahan Nasional"),
    ("klh", "Kementerian Lingkungan Hidup/Badan Pengendalian Lingkungan Hidup"),
    ("bpjs-kesehatan", "BPJS Kesehatan"),
    ("bpjs-ketenagakerjaan", "BPJS Ketenagakerjaan"),
]

# (id, name, tier, national institution or None, also the province's, also the regency's)
CATEGORIES = [
    ("roads", "Jalan dan jembatan", "field_investigation", "kemenpu", True, True),
    ("health_services", "Layanan kesehatan", "dispute_without_field_check", "kemenkes", False, True),
    ("health_insurance", "Jaminan kesehatan (BPJS Kesehatan)", "dispute_without_field_check", "bpjs-kesehatan", False, False),
    ("employment_insurance", "Jaminan sosial ketenagakerjaan", "dispute_without_field_check", "bpjs-ketenagakerjaan", False, False),
    ("education", "Pendidikan", "dispute_without_field_check", "kemendikdasmen", False, True),
    ("population_admin", "Administrasi kependudukan (KTP, KK, akta)", "simple", "kemendagri", False, True),
    ("social_assistance", "Bantuan sosial", "dispute_without_field_check", "kemensos", False, True),
    ("land", "Pertanahan", "field_investigation", "atr-bpn", False, False),
    ("transport", "Transportasi dan perhubungan", "field_investigation", "kemenhub", True, False),
    ("religious_affairs", "Layanan keagamaan (KUA, haji)", "simple", "kemenag", False, False),
    ("public_order", "Ketertiban umum", "field_investigation", None, True, True),
    ("environment", "Lingkungan hidup dan persampahan", "field_investigation", "klh", False, True),
    ("public_information", "Permintaan informasi publik", "information_request", None, False, False),
    ("other", "Lainnya", "simple", None, False, False),
]

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


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def regency_institution(code, name):
    prefix = "pemkot" if name.startswith("Kota") else "pemkab"
    return f"{prefix}-{code}", f"Pemerintah {name}"


def main(data_dir):
    data = Path(data_dir)
    with open(data / "provinces.csv", newline="", encoding="utf-8") as f:
        provinces = [(row["code"], row["name"]) for row in csv.DictReader(f)]
    with open(data / "regencies.csv", newline="", encoding="utf-8") as f:
        regencies = [(row["code"], row["province_code"], row["name"]) for row in csv.DictReader(f)]
    out = sys.stdout
    out.write("# aduan's registry seed for Indonesia. Generated by scripts/generate-indonesia-registry.py;\n")
    out.write("# edit the script, not this file. Region codes and names: idn-area-data 4.0.1 (ODbL, see NOTICE.md).\n")
    out.write("version = 1\nnational_verifier = \"sp4n-verifier\"\n\n")
    out.write("institution = [\n")
    for ident, name in NATIONAL:
        out.write(f"  {{ id = {quote(ident)}, name = {quote(name)}, level = \"national\" }},\n")
    for code, name in provinces:
        out.write(f"  {{ id = \"pemprov-{code}\", name = {quote('Pemerintah Provinsi ' + name)}, level = \"province\", parent = \"kemendagri\" }},\n")
    for code, province, name in regencies:
        ident, full = regency_institution(code, name)
        out.write(f"  {{ id = {quote(ident)}, name = {quote(full)}, level = \"regency\", parent = \"pemprov-{province}\" }},\n")
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
    out.write("]\n\nrule = [\n")
    for ident, _, _, national, by_province, by_regency in CATEGORIES:
        if national:
            out.write(f"  {{ category = {quote(ident)}, region = \"*\", institution = {quote(national)} }},\n")
        if by_province:
            for code, _ in provinces:
                out.write(f"  {{ category = {quote(ident)}, region = {quote(code)}, institution = \"pemprov-{code}\" }},\n")
        if by_regency:
            for code, _, name in regencies:
                institution, _ = regency_institution(code, name)
                out.write(f"  {{ category = {quote(ident)}, region = {quote(code)}, institution = {quote(institution)} }},\n")
    out.write("]\n\n[calendar]\n# WIB, the western zone; provinces in WITA and WIT say so above.\nutc_offset = \"+07:00\"\n")
    out.write("working_days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\nholiday = [\n")
    for date, name in HOLIDAYS_2026 + HOLIDAYS_2027:
        out.write(f"  {{ date = {quote(date)}, name = {quote(name)} }},\n")
    out.write("]\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: generate-indonesia-registry.py <idn-area-data's data folder>")
    main(sys.argv[1])

-- One database and one role per service: a service reaches only its own data.
CREATE ROLE aduan_intake LOGIN PASSWORD 'change-me-intake';
CREATE DATABASE aduan_intake OWNER aduan_intake;
REVOKE ALL ON DATABASE aduan_intake FROM PUBLIC;
CREATE ROLE aduan_routing LOGIN PASSWORD 'change-me-routing';
CREATE DATABASE aduan_routing OWNER aduan_routing;
REVOKE ALL ON DATABASE aduan_routing FROM PUBLIC;
CREATE ROLE aduan_resolution LOGIN PASSWORD 'change-me-resolution';
CREATE DATABASE aduan_resolution OWNER aduan_resolution;
REVOKE ALL ON DATABASE aduan_resolution FROM PUBLIC;
CREATE ROLE aduan_accounts LOGIN PASSWORD 'change-me-accounts';
CREATE DATABASE aduan_accounts OWNER aduan_accounts;
REVOKE ALL ON DATABASE aduan_accounts FROM PUBLIC;
CREATE ROLE aduan_web LOGIN PASSWORD 'change-me-web';
CREATE DATABASE aduan_web OWNER aduan_web;
REVOKE ALL ON DATABASE aduan_web FROM PUBLIC;
CREATE ROLE aduan_audit LOGIN PASSWORD 'change-me-audit';
CREATE DATABASE aduan_audit OWNER aduan_audit;
REVOKE ALL ON DATABASE aduan_audit FROM PUBLIC;

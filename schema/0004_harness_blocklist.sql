-- Taint-harness runs and their peer flows (`p2pscope harness --db`, or
-- `db import` of a harness report.json), and blocklist exports
-- (`p2pscope blocklist --db`).
--
-- harness_run is one client run of one harness session; (session, client)
-- is the natural key, so storing a report again (a retry, `db import` of the
-- same report.json) adds nothing. The searchable fields are columns; the
-- whole report object of taint-harness/report.hpp is kept as `report`.
CREATE TABLE harness_run (
  id                 bigserial        PRIMARY KEY,
  session            text             NOT NULL,
  client             text             NOT NULL,
  version            text,
  mode               text             NOT NULL CHECK (mode IN ('taint', 'idle')),
  verdict            text             NOT NULL,
  info_hash          bytea            CHECK (length(info_hash) = 20),
  started            timestamptz,
  seconds            double precision,
  client_seconds     double precision,
  stopped_cleanly    boolean,
  anonymous          boolean          NOT NULL DEFAULT false,
  bogus              integer          NOT NULL DEFAULT 0,
  byte_order         integer          NOT NULL DEFAULT 0,
  leaks              integer,
  propagation_policy text,
  error              text,
  report             jsonb            NOT NULL,
  stored             timestamptz      NOT NULL DEFAULT now(),
  UNIQUE (session, client)
);
CREATE INDEX harness_run_client ON harness_run (client, version);

-- The peers that went into a client (direction 'in': fed by the harness,
-- with the kind of peer behind the address) and the peers it gave out
-- (direction 'out'; created: never fed to it, and when a byte-order bug
-- explains it, the fed peer it came from).
CREATE TABLE harness_flow (
  run           bigint  NOT NULL REFERENCES harness_run (id) ON DELETE CASCADE,
  ord           integer NOT NULL,
  direction     text    NOT NULL CHECK (direction IN ('in', 'out')),
  route         text    NOT NULL CHECK (route IN ('pex', 'dht', 'tracker')),
  peer_ip       inet    NOT NULL,
  peer_port     integer NOT NULL CHECK (peer_port BETWEEN 0 AND 65535),
  kind          text,
  hub           boolean,
  created       boolean NOT NULL DEFAULT false,
  unroutable    boolean NOT NULL DEFAULT false,
  original_ip   inet,
  original_port integer CHECK (original_port BETWEEN 0 AND 65535),
  byte_order    text,
  PRIMARY KEY (run, ord)
);
CREATE INDEX harness_flow_peer ON harness_flow (peer_ip, peer_port);

-- One row per blocklist written with --db: what went in (verdict classes,
-- minimum confidence, the run it was limited to) and what came out; its
-- merged address ranges are in blocklist_entry, so exports can be diffed.
CREATE TABLE blocklist_export (
  id             bigserial        PRIMARY KEY,
  created        timestamptz      NOT NULL DEFAULT now(),
  format         text             NOT NULL,
  name           text             NOT NULL,
  classes        text[]           NOT NULL,
  min_confidence double precision NOT NULL,
  from_run       text,
  verdicts_read  integer          NOT NULL,
  rules          integer          NOT NULL,
  left_out_v6    integer          NOT NULL,
  output         text             NOT NULL,
  content_sha256 text             NOT NULL
);
CREATE TABLE blocklist_entry (
  export   bigint NOT NULL REFERENCES blocklist_export (id) ON DELETE CASCADE,
  first_ip inet   NOT NULL,
  last_ip  inet   NOT NULL,
  label    text   NOT NULL,
  PRIMARY KEY (export, first_ip)
);
CREATE INDEX blocklist_entry_range ON blocklist_entry (first_ip, last_ip);

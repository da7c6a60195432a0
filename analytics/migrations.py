"""Schema of the Pulso store, as an append-only list of migrations.

Each entry is the DDL that takes the store from version ``n - 1`` to ``n``. Never
edit a migration that has shipped: add a new one. ``store.migrate`` applies the
missing ones in order inside one transaction and records each in ``schema_version``.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

# Version 1: the canonical fact tables: one row per call, one per survey response.
V1_FACTS = """
create table calls (
    call_id     varchar primary key,
    started_at  timestamp not null,
    channel     varchar,
    queue       varchar,
    region      varchar,
    product     varchar,
    segment     varchar,
    agent_id    varchar,
    team        varchar,
    customer_id varchar,
    wait_s      double check (wait_s >= 0),
    duration_s  double check (duration_s >= 0),
    hold_s      double check (hold_s >= 0),
    transfers   integer check (transfers >= 0),
    resolved    boolean,
    abandoned   boolean,
    escalated   boolean
);
create table surveys (
    response_id    varchar primary key,
    call_id        varchar,
    customer_id    varchar,
    responded_at   timestamp not null,
    survey_type    varchar check (survey_type in ('transactional', 'relational')),
    survey_channel varchar,
    nps            tinyint check (nps between 0 and 10),
    csat           tinyint check (csat between 1 and 5),
    -- CES is stored so that higher = easier; ces_scale is the source scale's top (5 or 7).
    ces            double check (ces between 1 and ces_scale),
    ces_scale      tinyint check (ces_scale in (5, 7)),
    -- A CES score without its scale could not be read: refuse it.
    check (ces is null or ces_scale is not null),
    comment        varchar,
    language       varchar
);
"""

# Version 2: process changes and ingest bookkeeping.
V2_CHANGES_AND_BATCHES = """
create sequence process_change_seq start 1;
create table process_changes (
    change_id      integer primary key default nextval('process_change_seq'),
    name           varchar not null,
    description    varchar,
    started_on     date not null,
    ended_on       date,
    scope_queues   varchar[],
    scope_teams    varchar[],
    scope_regions  varchar[],
    scope_channels varchar[],
    owner          varchar,
    created_at     timestamp default current_timestamp,
    check (ended_on is null or ended_on >= started_on)
);
create sequence ingest_batch_seq start 1;
create table ingest_batches (
    batch_id    integer primary key default nextval('ingest_batch_seq'),
    target      varchar not null,
    file_name   varchar,
    sha256      varchar,
    loaded_by   varchar,
    loaded_at   timestamp default current_timestamp,
    n_rows      integer,
    n_inserted  integer,
    n_updated   integer,
    n_unchanged integer,
    n_rejected  integer,
    undone_at   timestamp
);
create table rejected_rows (
    batch_id    integer not null,
    row_number  integer not null,
    column_name varchar,
    raw_values  varchar,
    reason      varchar not null
);
create table column_mappings (
    name             varchar primary key,
    target           varchar not null,
    header_signature varchar not null,
    mapping          varchar not null,
    created_at       timestamp default current_timestamp
);
"""

# Version 3 (ingest): reasons as code + params for translation, skipped counts and
# format facts per batch, and what each batch changed so that it can be undone:
# the keys it inserted or updated, and the full rows it overwrote (before-images).
V3_INGEST_UNDO = """
alter table ingest_batches add column n_skipped integer;
alter table ingest_batches add column details varchar;
alter table rejected_rows add column field varchar;
alter table rejected_rows add column reason_code varchar;
alter table rejected_rows add column reason_params varchar;
create table ingest_batch_keys (
    batch_id integer not null,
    target   varchar not null,
    key      varchar not null,
    action   varchar not null check (action in ('insert', 'update'))
);
create table ingest_before_calls (
    batch_id    integer not null,
    call_id     varchar not null,
    started_at  timestamp,
    channel     varchar,
    queue       varchar,
    region      varchar,
    product     varchar,
    segment     varchar,
    agent_id    varchar,
    team        varchar,
    customer_id varchar,
    wait_s      double,
    duration_s  double,
    hold_s      double,
    transfers   integer,
    resolved    boolean,
    abandoned   boolean,
    escalated   boolean
);
create table ingest_before_surveys (
    batch_id       integer not null,
    response_id    varchar not null,
    call_id        varchar,
    customer_id    varchar,
    responded_at   timestamp,
    survey_type    varchar,
    survey_channel varchar,
    nps            tinyint,
    csat           tinyint,
    ces            double,
    ces_scale      tinyint,
    comment        varchar,
    language       varchar
);
"""

# Version 4 (follow-up): the closed loop on detractors and dissatisfied customers.
# One item per response (unique: re-syncing or re-loading never duplicates); every
# assignment, contact and closing is also kept as an action (the item's history).
V4_FOLLOWUP = """
create sequence followup_item_seq start 1;
create table followup_items (
    item_id      integer primary key default nextval('followup_item_seq'),
    response_id  varchar not null unique,
    reason       varchar not null check (reason in ('detractor', 'dissatisfied', 'passive')),
    team         varchar,
    customer_id  varchar,
    responded_at timestamp not null,
    status       varchar not null default 'open'
                 check (status in ('open', 'contacted', 'recovered', 'not_recovered')),
    owner        varchar,
    created_at   timestamp not null default current_timestamp,
    due_at       timestamp not null,
    contacted_at timestamp,
    closed_at    timestamp,
    note         varchar
);
create sequence followup_action_seq start 1;
create table followup_actions (
    action_id integer primary key default nextval('followup_action_seq'),
    item_id   integer not null,
    action    varchar not null
              check (action in ('assigned', 'contacted', 'recovered', 'not_recovered')),
    owner     varchar,
    note      varchar,
    acted_by  varchar,
    acted_at  timestamp not null
);
"""

# Version 5 (ingest lineage): each fact row records the batch that last wrote it
# (inserted or changed it; null for rows not loaded through ingest), and each
# before-image the batch that had written the row before. Undo and its ordering
# rule read these instead of a per-key log: the log cost a second copy of every
# loaded key (as much storage as the key column itself, and a sixth of load time).
# Existing logs are carried over: a row's batch is the last batch still in force
# that touched its key, a before-image's is the last such batch before its own.
V5_INGEST_LINEAGE = """
alter table calls add column batch_id integer;
alter table surveys add column batch_id integer;
alter table ingest_before_calls add column prior_batch_id integer;
alter table ingest_before_surveys add column prior_batch_id integer;
create temp table pulso_v5_keys as
    select k.target, k.key, k.batch_id from ingest_batch_keys k
    join ingest_batches b on b.batch_id = k.batch_id and b.undone_at is null;
update calls set batch_id = k.batch_id
    from (select key, max(batch_id) as batch_id from pulso_v5_keys
          where target = 'calls' group by key) k
    where calls.call_id = k.key;
update surveys set batch_id = k.batch_id
    from (select key, max(batch_id) as batch_id from pulso_v5_keys
          where target = 'surveys' group by key) k
    where surveys.response_id = k.key;
update ingest_before_calls set prior_batch_id = p.prior
    from (select b.batch_id, b.call_id, max(k.batch_id) as prior from ingest_before_calls b
          join pulso_v5_keys k on k.target = 'calls' and k.key = b.call_id
          and k.batch_id < b.batch_id group by all) p
    where ingest_before_calls.batch_id = p.batch_id and ingest_before_calls.call_id = p.call_id;
update ingest_before_surveys set prior_batch_id = p.prior
    from (select b.batch_id, b.response_id, max(k.batch_id) as prior
          from ingest_before_surveys b
          join pulso_v5_keys k on k.target = 'surveys' and k.key = b.response_id
          and k.batch_id < b.batch_id group by all) p
    where ingest_before_surveys.batch_id = p.batch_id
    and ingest_before_surveys.response_id = p.response_id;
drop table pulso_v5_keys;
drop table ingest_batch_keys;
"""

# Version 6 (ingest quality): each batch keeps its data-quality report (JSON of
# ``ingest.quality.Quality``); null for batches loaded before it was measured.
V6_INGEST_QUALITY = """
alter table ingest_batches add column quality varchar;
"""

# Version 7 (ingest speed, memory): the fact tables without a primary-key index.
# DuckDB's key index is updated on one core by every insert and again at commit:
# it cost a tenth of a 1M-row load, and writing 10M keys took 9.3 s and 940 MB
# with it, 3.9 s and 165 MB without. Ingest keeps keys unique on its own: it
# refuses a key repeated in the file and classifies every key already stored as an
# update (see ``ingest.upsert``). The tables are rebuilt (DuckDB cannot drop a
# primary key), keeping their checks, their column order and every row.
V7_NO_KEY_INDEX = """
create table pulso_v7_calls (
    call_id     varchar not null,
    started_at  timestamp not null,
    channel     varchar,
    queue       varchar,
    region      varchar,
    product     varchar,
    segment     varchar,
    agent_id    varchar,
    team        varchar,
    customer_id varchar,
    wait_s      double check (wait_s >= 0),
    duration_s  double check (duration_s >= 0),
    hold_s      double check (hold_s >= 0),
    transfers   integer check (transfers >= 0),
    resolved    boolean,
    abandoned   boolean,
    escalated   boolean,
    batch_id    integer
);
create table pulso_v7_surveys (
    response_id    varchar not null,
    call_id        varchar,
    customer_id    varchar,
    responded_at   timestamp not null,
    survey_type    varchar check (survey_type in ('transactional', 'relational')),
    survey_channel varchar,
    nps            tinyint check (nps between 0 and 10),
    csat           tinyint check (csat between 1 and 5),
    -- CES is stored so that higher = easier; ces_scale is the source scale's top (5 or 7).
    ces            double check (ces between 1 and ces_scale),
    ces_scale      tinyint check (ces_scale in (5, 7)),
    -- A CES score without its scale could not be read: refuse it.
    check (ces is null or ces_scale is not null),
    comment        varchar,
    language       varchar,
    batch_id       integer
);
insert into pulso_v7_calls select * from calls;
insert into pulso_v7_surveys select * from surveys;
drop table calls;
drop table surveys;
alter table pulso_v7_calls rename to calls;
alter table pulso_v7_surveys rename to surveys;
"""

# Version 8 (ingest value map): what a dimension value written another way stands for
# ("Sur" is the region "South"), store-wide, applied when a file is validated (see
# ``ingest.aliases``). ``alias_key`` is what a cell is matched on (lower case, no
# accents), so one entry reads "SUR" and "sur" too; ``alias`` keeps the value as
# written, to show it.
V8_VALUE_ALIASES = """
create table value_aliases (
    field      varchar not null,
    alias_key  varchar not null,
    alias      varchar not null,
    value      varchar not null,
    created_at timestamp not null default current_timestamp,
    created_by varchar,
    primary key (field, alias_key)
);
"""

# Version 9 (registry): a process change's scope can also name products and customer
# segments (the ``product`` and ``segment`` of its calls); null means not restricted.
V9_CHANGE_SCOPE_PRODUCT_SEGMENT = """
alter table process_changes add column scope_products varchar[];
alter table process_changes add column scope_segments varchar[];
"""

# Version 10 (practical significance): the minimum change in a KPI that counts as
# meaningful, set by the user in the KPI's own unit (NPS points, percentage points,
# seconds, scale points); a KPI with no row uses its default (``thresholds.DEFAULTS``).
V10_MEANINGFUL_CHANGES = """
create table meaningful_changes (
    kpi        varchar primary key,
    meaningful double not null check (meaningful >= 0),
    updated_at timestamp not null default current_timestamp,
    updated_by varchar
);
"""

# Version 11 (the weekly review reaches people): targets per KPI (optionally per
# segment: a value of a catalog dimension) from a date on; settings the app edits
# (JSON by name: follow-up deadlines, SMTP), public holidays per region (``*`` = every
# region) for follow-up deadlines; webhooks and alert rules, and the alerts sent. An
# event is recorded once per rule (``alert_events``' key): evaluating again never
# sends it twice. A run's new events of one rule travel in one message (``message_key``:
# 40 overdue items are one e-mail, not 40), delivered once per recipient
# (``alert_deliveries``: its language, attempts and last error).
V11_TARGETS_SETTINGS_ALERTS = """
create sequence target_seq start 1;
create table targets (
    target_id  integer primary key default nextval('target_seq'),
    kpi        varchar not null,
    dimension  varchar,
    segment    varchar,
    target     double not null,
    valid_from date not null,
    updated_at timestamp not null default current_timestamp,
    updated_by varchar,
    check ((dimension is null) = (segment is null))
);
create table settings (
    name       varchar primary key,
    value      varchar not null,
    updated_at timestamp not null default current_timestamp,
    updated_by varchar
);
create table holidays (
    day    date not null,
    region varchar not null,
    name   varchar,
    primary key (day, region)
);
create table webhooks (
    name       varchar primary key,
    format     varchar not null check (format in ('slack', 'teams', 'json')),
    url        varchar not null,
    lang       varchar not null default 'en' check (lang in ('en', 'es')),
    updated_at timestamp not null default current_timestamp,
    updated_by varchar
);
create sequence alert_rule_seq start 1;
create table alert_rules (
    rule_id    integer primary key default nextval('alert_rule_seq'),
    name       varchar not null,
    kind       varchar not null
               check (kind in ('kpi_down', 'below_target', 'new_detractor', 'overdue', 'digest')),
    kpi        varchar,
    scope      varchar,
    emails     struct(address varchar, lang varchar)[],
    webhooks   varchar[],
    enabled    boolean not null default true,
    created_at timestamp not null default current_timestamp,
    created_by varchar
);
create table alert_events (
    rule_id     integer not null,
    event_key   varchar not null,
    detail      varchar,
    message_key varchar not null,
    created_at  timestamp not null default current_timestamp,
    primary key (rule_id, event_key)
);
create table alert_deliveries (
    rule_id     integer not null,
    message_key varchar not null,
    recipient   varchar not null,
    channel     varchar not null check (channel in ('email', 'slack', 'teams', 'json')),
    lang        varchar not null default 'en' check (lang in ('en', 'es')),
    status      varchar not null check (status in ('pending', 'sent', 'failed')),
    attempts    integer not null default 0,
    last_error  varchar,
    next_try_at timestamp,
    sent_at     timestamp,
    created_at  timestamp not null default current_timestamp,
    updated_at  timestamp not null default current_timestamp,
    primary key (rule_id, message_key, recipient)
);
"""

# Version 12 (sign-in): the roles the admins give on the Settings page (an e-mail or
# ``group:NAME``; they add to and override ``[pulso.roles]`` in secrets), each with an
# optional scope (JSON: dimension -> values); and the audit log of every write.
V12_ROLES_AUDIT = """
create table roles (
    principal  varchar primary key,
    role       varchar not null check (role in ('executive', 'analyst', 'manager', 'admin')),
    scope      varchar,
    updated_by varchar,
    updated_at timestamp not null default current_timestamp
);
create sequence audit_seq start 1;
create table audit_log (
    audit_id integer primary key default nextval('audit_seq'),
    acted_at timestamp not null default current_timestamp,
    who      varchar not null,
    role     varchar not null,
    action   varchar not null,
    object   varchar,
    before_json varchar,
    after_json  varchar
);
"""


# Version 13 (volume): what every read recomputed is kept up to date at load time
# (see ``rollups``): the repeat-contact (after and before) and surveyed flags on the calls, the store's
# FCR horizon and link state, and day rollups of the sufficient statistics. Built here
# for the stores that already hold data.
V13_ROLLUPS_DDL = """
alter table calls add column repeat_7d boolean;
alter table calls add column prior_7d boolean;
alter table calls add column surveyed boolean;
create table rollup_meta (
    horizon   timestamp,
    linked    boolean not null,
    n_calls   bigint not null,
    n_surveys bigint not null,
    built_at  timestamp not null
);
"""


def v13_rollups(con: duckdb.DuckDBPyConnection) -> None:
    from analytics import rollups  # the rollups are the read path's own expressions

    con.execute(V13_ROLLUPS_DDL)
    rollups.rebuild(con)


# Version 14 (survey design, staggered roll-outs): the survey instrument's question or
# scale version on each response (and on the before-images, so undo restores it); a
# process change's type (a change to the service, or to the survey itself), the survey
# channels whose instrument a survey-design change altered, and a roll-out schedule:
# the day the change reached each queue, region or team (``registry.ROLLOUT_DIMENSIONS``).
# Changes registered before are process changes that started everywhere at once.
V14_SURVEY_DESIGN_ROLLOUT = """
alter table surveys add column survey_version varchar;
alter table ingest_before_surveys add column survey_version varchar;
alter table process_changes add column kind varchar default 'process';
update process_changes set kind = 'process' where kind is null;
alter table process_changes add column instruments varchar[];
create table change_rollouts (
    change_id  integer not null,
    dimension  varchar not null check (dimension in ('queue', 'region', 'team')),
    unit       varchar not null,
    started_on date not null,
    primary key (change_id, dimension, unit)
);
"""


# Version 15 (volume): every survey answer with its call's attributes, times, outcome
# and prior-contact flag, kept at load (:mod:`analytics.answers`): the pages that read answers
# with their call no longer join every call. Built here for the stores that hold data.
def v15_answers(con: duckdb.DuckDBPyConnection) -> None:
    from analytics import answers

    answers.rebuild(con)


# Version 16 (load speed): a new call's flags start false (no repeat contact, no prior
# contact, not surveyed), the value most calls keep: a load then writes only the flags
# that are true, not three flags on every new call (a third of a 1M-call load's upkeep).
V16_FLAG_DEFAULTS = """
alter table calls alter column repeat_7d set default false;
alter table calls alter column prior_7d set default false;
alter table calls alter column surveyed set default false;
"""


# Version 17 (volume): what the follow-up items were last made from (a fingerprint of
# the answers, the items' count, the deadlines: ``followup._made_from``): a page that
# makes sure they exist no longer scans every answer again when nothing changed (1.3 s
# at 10M calls, on each page that needs them after a server start).
V17_FOLLOWUP_SYNCED = """
create table followup_synced (made_from varchar not null);
"""


#: A migration is DDL, or a step that needs the read path (it runs in the same
#: transaction as the others).
Migration = str | Callable[[duckdb.DuckDBPyConnection], None]

MIGRATIONS: tuple[Migration, ...] = (
    V1_FACTS,
    V2_CHANGES_AND_BATCHES,
    V3_INGEST_UNDO,
    V4_FOLLOWUP,
    V5_INGEST_LINEAGE,
    V6_INGEST_QUALITY,
    V7_NO_KEY_INDEX,
    V8_VALUE_ALIASES,
    V9_CHANGE_SCOPE_PRODUCT_SEGMENT,
    V10_MEANINGFUL_CHANGES,
    V11_TARGETS_SETTINGS_ALERTS,
    V12_ROLES_AUDIT,
    v13_rollups,
    V14_SURVEY_DESIGN_ROLLOUT,
    v15_answers,
    V16_FLAG_DEFAULTS,
    V17_FOLLOWUP_SYNCED,
)
LATEST = len(MIGRATIONS)

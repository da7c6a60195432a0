"""Schema of the Pulso store, as an append-only list of migrations.

Each entry is the DDL that takes the store from version ``n - 1`` to ``n``. Never
edit a migration that has shipped: add a new one. ``store.migrate`` applies the
missing ones in order inside one transaction and records each in ``schema_version``.
"""

from __future__ import annotations

# Version 1: the canonical fact tables of the data contract (DESIGN.md).
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

MIGRATIONS: tuple[str, ...] = (V1_FACTS, V2_CHANGES_AND_BATCHES, V3_INGEST_UNDO, V4_FOLLOWUP)
LATEST = len(MIGRATIONS)

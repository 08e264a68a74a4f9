"""Initial schema: projects, people, searches, records, de-duplication, screening, full texts, studies

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('reviewers_per_record', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('reviewers_per_record >= 1', name=op.f('ck_projects_reviewers_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('name', name=op.f('uq_projects_name'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=150), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=True),
    sa.Column('display_name', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('exclusion_reasons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("stage IN ('title_abstract', 'full_text')", name=op.f('ck_exclusion_reasons_stage')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_exclusion_reasons_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exclusion_reasons')),
    sa.UniqueConstraint('project_id', 'stage', 'label', name=op.f('uq_exclusion_reasons_project_id_stage_label'))
    )
    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.CheckConstraint("role IN ('lead', 'reviewer')", name=op.f('ck_memberships_role')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_memberships_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('project_id', 'user_id', name=op.f('uq_memberships_project_id_user_id'))
    )
    op.create_table('searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('database', sa.String(length=200), nullable=False),
    sa.Column('date_run', sa.Date(), nullable=False),
    sa.Column('query_text', sa.Text(), nullable=True),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=50), nullable=False),
    sa.Column('encoding', sa.String(length=50), nullable=True),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('database', 'register')", name=op.f('ck_searches_kind')),
    sa.CheckConstraint('record_count >= 0', name=op.f('ck_searches_record_count')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_searches_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_searches')),
    sa.UniqueConstraint('project_id', 'file_sha256', name=op.f('uq_searches_project_id_file_sha256'))
    )
    op.create_table('studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_studies_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_studies')),
    sa.UniqueConstraint('project_id', 'label', name=op.f('uq_studies_project_id_label'))
    )
    op.create_table('records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('search_id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('abstract', sa.Text(), nullable=True),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('journal', sa.Text(), nullable=True),
    sa.Column('volume', sa.String(length=100), nullable=True),
    sa.Column('issue', sa.String(length=100), nullable=True),
    sa.Column('pages', sa.String(length=100), nullable=True),
    sa.Column('doi', sa.String(length=300), nullable=True),
    sa.Column('pmid', sa.String(length=50), nullable=True),
    sa.Column('language', sa.String(length=100), nullable=True),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('publication_type', sa.String(length=200), nullable=True),
    sa.Column('source_database', sa.String(length=200), nullable=True),
    sa.Column('source_file', sa.String(length=500), nullable=True),
    sa.Column('source_format', sa.String(length=50), nullable=True),
    sa.Column('source_index', sa.Integer(), nullable=False),
    sa.Column('raw', sa.JSON(), nullable=False),
    sa.Column('removed_reason', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_records_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['search_id'], ['searches.id'], name=op.f('fk_records_search_id_searches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['studies.id'], name=op.f('fk_records_study_id_studies'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_records'))
    )
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_doi', ['doi'], unique=False)
        batch_op.create_index('ix_records_project_id', ['project_id'], unique=False)
        batch_op.create_index('ix_records_search_id', ['search_id'], unique=False)

    op.create_table('conflict_resolutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('exclusion_reason_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('include', 'exclude')", name=op.f('ck_conflict_resolutions_decision')),
    sa.CheckConstraint("stage IN ('title_abstract', 'full_text')", name=op.f('ck_conflict_resolutions_stage')),
    sa.ForeignKeyConstraint(['exclusion_reason_id'], ['exclusion_reasons.id'], name=op.f('fk_conflict_resolutions_exclusion_reason_id_exclusion_reasons'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_conflict_resolutions_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_conflict_resolutions_resolved_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_resolutions')),
    sa.UniqueConstraint('record_id', 'stage', name=op.f('uq_conflict_resolutions_record_id_stage'))
    )
    op.create_table('duplicate_clusters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kept_record_id', sa.Integer(), nullable=False),
    sa.Column('decided_by', sa.String(length=10), nullable=False),
    sa.CheckConstraint("decided_by IN ('auto', 'person')", name=op.f('ck_duplicate_clusters_decided_by')),
    sa.ForeignKeyConstraint(['kept_record_id'], ['records.id'], name=op.f('fk_duplicate_clusters_kept_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_duplicate_clusters_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_clusters'))
    )
    op.create_table('duplicate_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('record_a_id', sa.Integer(), nullable=False),
    sa.Column('record_b_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('decided_by', sa.String(length=10), nullable=False),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decided_by IN ('auto', 'person')", name=op.f('ck_duplicate_links_decided_by')),
    sa.CheckConstraint("decision IN ('duplicate', 'not_duplicate', 'pending')", name=op.f('ck_duplicate_links_decision')),
    sa.CheckConstraint('record_a_id < record_b_id', name=op.f('ck_duplicate_links_ordered_pair')),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_duplicate_links_decided_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_duplicate_links_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_a_id'], ['records.id'], name=op.f('fk_duplicate_links_record_a_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_b_id'], ['records.id'], name=op.f('fk_duplicate_links_record_b_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_links')),
    sa.UniqueConstraint('record_a_id', 'record_b_id', name=op.f('uq_duplicate_links_record_a_id_record_b_id'))
    )
    op.create_table('full_text_retrievals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('sought', 'not_retrieved', 'retrieved')", name=op.f('ck_full_text_retrievals_status')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_full_text_retrievals_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_full_text_retrievals')),
    sa.UniqueConstraint('record_id', name=op.f('uq_full_text_retrievals_record_id'))
    )
    op.create_table('screening_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('exclusion_reason_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('include', 'exclude', 'maybe')", name=op.f('ck_screening_decisions_decision')),
    sa.CheckConstraint("stage IN ('title_abstract', 'full_text')", name=op.f('ck_screening_decisions_stage')),
    sa.ForeignKeyConstraint(['exclusion_reason_id'], ['exclusion_reasons.id'], name=op.f('fk_screening_decisions_exclusion_reason_id_exclusion_reasons'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_screening_decisions_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_screening_decisions_reviewer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_decisions')),
    sa.UniqueConstraint('record_id', 'stage', 'reviewer_id', name=op.f('uq_screening_decisions_record_id_stage_reviewer_id'))
    )
    op.create_table('duplicate_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('kept', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['duplicate_clusters.id'], name=op.f('fk_duplicate_members_cluster_id_duplicate_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_duplicate_members_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_members')),
    sa.UniqueConstraint('record_id', name=op.f('uq_duplicate_members_record_id'))
    )


def downgrade() -> None:
    op.drop_table('duplicate_members')
    op.drop_table('screening_decisions')
    op.drop_table('full_text_retrievals')
    op.drop_table('duplicate_links')
    op.drop_table('duplicate_clusters')
    op.drop_table('conflict_resolutions')
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_search_id')
        batch_op.drop_index('ix_records_project_id')
        batch_op.drop_index('ix_records_doi')

    op.drop_table('records')
    op.drop_table('studies')
    op.drop_table('searches')
    op.drop_table('memberships')
    op.drop_table('exclusion_reasons')
    op.drop_table('users')
    op.drop_table('projects')

"""Data extraction forms, extracted data (double extraction) and risk-of-bias judgements

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('extraction_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=300), nullable=False),
    sa.Column('json_schema', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_extraction_forms_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extraction_forms')),
    sa.UniqueConstraint('project_id', 'outcome', 'version', name=op.f('uq_extraction_forms_project_id_outcome_version'))
    )
    op.create_table('extracted_data',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['extraction_forms.id'], name=op.f('fk_extracted_data_form_id_extraction_forms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_extracted_data_reviewer_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['study_id'], ['studies.id'], name=op.f('fk_extracted_data_study_id_studies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extracted_data')),
    sa.UniqueConstraint('study_id', 'form_id', 'reviewer_id', name=op.f('uq_extracted_data_study_id_form_id_reviewer_id'))
    )
    op.create_table('risk_of_bias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=300), nullable=False),
    sa.Column('instrument', sa.String(length=20), nullable=False),
    sa.Column('domain', sa.String(length=200), nullable=False),
    sa.Column('judgement', sa.String(length=50), nullable=False),
    sa.Column('support', sa.Text(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("instrument IN ('RoB2', 'ROBINS-I', 'NOS')", name=op.f('ck_risk_of_bias_instrument')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_risk_of_bias_reviewer_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['study_id'], ['studies.id'], name=op.f('fk_risk_of_bias_study_id_studies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_of_bias')),
    sa.UniqueConstraint('study_id', 'outcome', 'instrument', 'domain', 'reviewer_id', name=op.f('uq_risk_of_bias_study_id_outcome_instrument_domain_reviewer_id'))
    )


def downgrade() -> None:
    op.drop_table('risk_of_bias')
    op.drop_table('extracted_data')
    op.drop_table('extraction_forms')

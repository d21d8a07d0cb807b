"""Governance: people, applications and agreements, panel review and the Data Uses Register.

Safe people and safe projects: nobody receives data without an approved, unexpired
agreement for a defined purpose, reviewed by the patient and public panel and decided by a
custodian; every agreement ever approved is on the public register.
"""

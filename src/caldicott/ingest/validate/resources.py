# ruff: noqa: E501 - element tables read best one element a line
"""FHIR R4 resources: every resource type name, and element tables for the types used.

The element tables use the notation of :mod:`.datatypes`. Types not tabled here are
checked structurally (resourceType, id, meta, references, codes and identifiers found
anywhere in them).
"""

from __future__ import annotations

#: Every resource type of FHIR R4 (4.0.1).
RESOURCE_TYPES = frozenset(
    [
        "Account",
        "ActivityDefinition",
        "AdverseEvent",
        "AllergyIntolerance",
        "Appointment",
        "AppointmentResponse",
        "AuditEvent",
        "Basic",
        "Binary",
        "BiologicallyDerivedProduct",
        "BodyStructure",
        "Bundle",
        "CapabilityStatement",
        "CarePlan",
        "CareTeam",
        "CatalogEntry",
        "ChargeItem",
        "ChargeItemDefinition",
        "Claim",
        "ClaimResponse",
        "ClinicalImpression",
        "CodeSystem",
        "Communication",
        "CommunicationRequest",
        "CompartmentDefinition",
        "Composition",
        "ConceptMap",
        "Condition",
        "Consent",
        "Contract",
        "Coverage",
        "CoverageEligibilityRequest",
        "CoverageEligibilityResponse",
        "DetectedIssue",
        "Device",
        "DeviceDefinition",
        "DeviceMetric",
        "DeviceRequest",
        "DeviceUseStatement",
        "DiagnosticReport",
        "DocumentManifest",
        "DocumentReference",
        "EffectEvidenceSynthesis",
        "Encounter",
        "Endpoint",
        "EnrollmentRequest",
        "EnrollmentResponse",
        "EpisodeOfCare",
        "EventDefinition",
        "Evidence",
        "EvidenceVariable",
        "ExampleScenario",
        "ExplanationOfBenefit",
        "FamilyMemberHistory",
        "Flag",
        "Goal",
        "GraphDefinition",
        "Group",
        "GuidanceResponse",
        "HealthcareService",
        "ImagingStudy",
        "Immunization",
        "ImmunizationEvaluation",
        "ImmunizationRecommendation",
        "ImplementationGuide",
        "InsurancePlan",
        "Invoice",
        "Library",
        "Linkage",
        "List",
        "Location",
        "Measure",
        "MeasureReport",
        "Media",
        "Medication",
        "MedicationAdministration",
        "MedicationDispense",
        "MedicationKnowledge",
        "MedicationRequest",
        "MedicationStatement",
        "MedicinalProduct",
        "MedicinalProductAuthorization",
        "MedicinalProductContraindication",
        "MedicinalProductIndication",
        "MedicinalProductIngredient",
        "MedicinalProductInteraction",
        "MedicinalProductManufactured",
        "MedicinalProductPackaged",
        "MedicinalProductPharmaceutical",
        "MedicinalProductUndesirableEffect",
        "MessageDefinition",
        "MessageHeader",
        "MolecularSequence",
        "NamingSystem",
        "NutritionOrder",
        "Observation",
        "ObservationDefinition",
        "OperationDefinition",
        "OperationOutcome",
        "Organization",
        "OrganizationAffiliation",
        "Parameters",
        "Patient",
        "PaymentNotice",
        "PaymentReconciliation",
        "Person",
        "PlanDefinition",
        "Practitioner",
        "PractitionerRole",
        "Procedure",
        "Provenance",
        "Questionnaire",
        "QuestionnaireResponse",
        "RelatedPerson",
        "RequestGroup",
        "ResearchDefinition",
        "ResearchElementDefinition",
        "ResearchStudy",
        "ResearchSubject",
        "RiskAssessment",
        "RiskEvidenceSynthesis",
        "Schedule",
        "SearchParameter",
        "ServiceRequest",
        "Slot",
        "Specimen",
        "SpecimenDefinition",
        "StructureDefinition",
        "StructureMap",
        "Subscription",
        "Substance",
        "SubstanceNucleicAcid",
        "SubstancePolymer",
        "SubstanceProtein",
        "SubstanceReferenceInformation",
        "SubstanceSourceMaterial",
        "SubstanceSpecification",
        "SupplyDelivery",
        "SupplyRequest",
        "Task",
        "TerminologyCapabilities",
        "TestReport",
        "TestScript",
        "ValueSet",
        "VerificationResult",
        "VisionPrescription",
    ]
)

RESOURCES: dict[str, str] = {
    "Patient": """
        identifier Identifier 0..*
        active boolean 0..1
        name HumanName 0..*
        telecom ContactPoint 0..*
        gender code 0..1 male|female|other|unknown
        birthDate date 0..1
        deceased[x] boolean|dateTime 0..1
        address Address 0..*
        maritalStatus CodeableConcept 0..1
        multipleBirth[x] boolean|integer 0..1
        photo Attachment 0..*
        contact Patient.contact 0..*
        communication Patient.communication 0..*
        generalPractitioner Reference 0..*
        managingOrganization Reference 0..1
        link Patient.link 0..*
    """,
    "Encounter": """
        identifier Identifier 0..*
        status code 1..1 planned|arrived|triaged|in-progress|onleave|finished|cancelled|entered-in-error|unknown
        statusHistory Encounter.statusHistory 0..*
        class Coding 1..1
        classHistory Encounter.classHistory 0..*
        type CodeableConcept 0..*
        serviceType CodeableConcept 0..1
        priority CodeableConcept 0..1
        subject Reference 0..1
        episodeOfCare Reference 0..*
        basedOn Reference 0..*
        participant Encounter.participant 0..*
        appointment Reference 0..*
        period Period 0..1
        length Duration 0..1
        reasonCode CodeableConcept 0..*
        reasonReference Reference 0..*
        diagnosis Encounter.diagnosis 0..*
        account Reference 0..*
        hospitalization Encounter.hospitalization 0..1
        location Encounter.location 0..*
        serviceProvider Reference 0..1
        partOf Reference 0..1
    """,
    "Condition": """
        identifier Identifier 0..*
        clinicalStatus CodeableConcept 0..1
        verificationStatus CodeableConcept 0..1
        category CodeableConcept 0..*
        severity CodeableConcept 0..1
        code CodeableConcept 0..1
        bodySite CodeableConcept 0..*
        subject Reference 1..1
        encounter Reference 0..1
        onset[x] dateTime|Age|Period|Range|string 0..1
        abatement[x] dateTime|Age|Period|Range|string 0..1
        recordedDate dateTime 0..1
        recorder Reference 0..1
        asserter Reference 0..1
        stage Condition.stage 0..*
        evidence Condition.evidence 0..*
        note Annotation 0..*
    """,
    "Observation": """
        identifier Identifier 0..*
        basedOn Reference 0..*
        partOf Reference 0..*
        status code 1..1 registered|preliminary|final|amended|corrected|cancelled|entered-in-error|unknown
        category CodeableConcept 0..*
        code CodeableConcept 1..1
        subject Reference 0..1
        focus Reference 0..*
        encounter Reference 0..1
        effective[x] dateTime|Period|Timing|instant 0..1
        issued instant 0..1
        performer Reference 0..*
        value[x] Quantity|CodeableConcept|string|boolean|integer|Range|Ratio|SampledData|time|dateTime|Period 0..1
        dataAbsentReason CodeableConcept 0..1
        interpretation CodeableConcept 0..*
        note Annotation 0..*
        bodySite CodeableConcept 0..1
        method CodeableConcept 0..1
        specimen Reference 0..1
        device Reference 0..1
        referenceRange Observation.referenceRange 0..*
        hasMember Reference 0..*
        derivedFrom Reference 0..*
        component Observation.component 0..*
    """,
    "MedicationRequest": """
        identifier Identifier 0..*
        status code 1..1 active|on-hold|cancelled|completed|entered-in-error|stopped|draft|unknown
        statusReason CodeableConcept 0..1
        intent code 1..1 proposal|plan|order|original-order|reflex-order|filler-order|instance-order|option
        category CodeableConcept 0..*
        priority code 0..1 routine|urgent|asap|stat
        doNotPerform boolean 0..1
        reported[x] boolean|Reference 0..1
        medication[x] CodeableConcept|Reference 1..1
        subject Reference 1..1
        encounter Reference 0..1
        supportingInformation Reference 0..*
        authoredOn dateTime 0..1
        requester Reference 0..1
        performer Reference 0..1
        performerType CodeableConcept 0..1
        recorder Reference 0..1
        reasonCode CodeableConcept 0..*
        reasonReference Reference 0..*
        instantiatesCanonical canonical 0..*
        instantiatesUri uri 0..*
        basedOn Reference 0..*
        groupIdentifier Identifier 0..1
        courseOfTherapyType CodeableConcept 0..1
        insurance Reference 0..*
        note Annotation 0..*
        dosageInstruction Dosage 0..*
        dispenseRequest MedicationRequest.dispenseRequest 0..1
        substitution MedicationRequest.substitution 0..1
        priorPrescription Reference 0..1
        detectedIssue Reference 0..*
        eventHistory Reference 0..*
    """,
    "MedicationStatement": """
        identifier Identifier 0..*
        basedOn Reference 0..*
        partOf Reference 0..*
        status code 1..1 active|completed|entered-in-error|intended|stopped|on-hold|unknown|not-taken
        statusReason CodeableConcept 0..*
        category CodeableConcept 0..1
        medication[x] CodeableConcept|Reference 1..1
        subject Reference 1..1
        context Reference 0..1
        effective[x] dateTime|Period 0..1
        dateAsserted dateTime 0..1
        informationSource Reference 0..1
        derivedFrom Reference 0..*
        reasonCode CodeableConcept 0..*
        reasonReference Reference 0..*
        note Annotation 0..*
        dosage Dosage 0..*
    """,
    "Immunization": """
        identifier Identifier 0..*
        status code 1..1 completed|entered-in-error|not-done
        statusReason CodeableConcept 0..1
        vaccineCode CodeableConcept 1..1
        patient Reference 1..1
        encounter Reference 0..1
        occurrence[x] dateTime|string 1..1
        recorded dateTime 0..1
        primarySource boolean 0..1
        reportOrigin CodeableConcept 0..1
        location Reference 0..1
        manufacturer Reference 0..1
        lotNumber string 0..1
        expirationDate date 0..1
        site CodeableConcept 0..1
        route CodeableConcept 0..1
        doseQuantity Quantity 0..1
        performer Immunization.performer 0..*
        note Annotation 0..*
        reasonCode CodeableConcept 0..*
        reasonReference Reference 0..*
        isSubpotent boolean 0..1
        subpotentReason CodeableConcept 0..*
        education Immunization.education 0..*
        programEligibility CodeableConcept 0..*
        fundingSource CodeableConcept 0..1
        reaction Immunization.reaction 0..*
        protocolApplied Immunization.protocolApplied 0..*
    """,
    "Procedure": """
        identifier Identifier 0..*
        instantiatesCanonical canonical 0..*
        instantiatesUri uri 0..*
        basedOn Reference 0..*
        partOf Reference 0..*
        status code 1..1 preparation|in-progress|not-done|on-hold|stopped|completed|entered-in-error|unknown
        statusReason CodeableConcept 0..1
        category CodeableConcept 0..1
        code CodeableConcept 0..1
        subject Reference 1..1
        encounter Reference 0..1
        performed[x] dateTime|Period|string|Age|Range 0..1
        recorder Reference 0..1
        asserter Reference 0..1
        performer Procedure.performer 0..*
        location Reference 0..1
        reasonCode CodeableConcept 0..*
        reasonReference Reference 0..*
        bodySite CodeableConcept 0..*
        outcome CodeableConcept 0..1
        report Reference 0..*
        complication CodeableConcept 0..*
        complicationDetail Reference 0..*
        followUp CodeableConcept 0..*
        note Annotation 0..*
        focalDevice Procedure.focalDevice 0..*
        usedReference Reference 0..*
        usedCode CodeableConcept 0..*
    """,
    "AllergyIntolerance": """
        identifier Identifier 0..*
        clinicalStatus CodeableConcept 0..1
        verificationStatus CodeableConcept 0..1
        type code 0..1 allergy|intolerance
        category code 0..* food|medication|environment|biologic
        criticality code 0..1 low|high|unable-to-assess
        code CodeableConcept 0..1
        patient Reference 1..1
        encounter Reference 0..1
        onset[x] dateTime|Age|Period|Range|string 0..1
        recordedDate dateTime 0..1
        recorder Reference 0..1
        asserter Reference 0..1
        lastOccurrence dateTime 0..1
        note Annotation 0..*
        reaction AllergyIntolerance.reaction 0..*
    """,
    "DocumentReference": """
        masterIdentifier Identifier 0..1
        identifier Identifier 0..*
        status code 1..1 current|superseded|entered-in-error
        docStatus code 0..1 preliminary|final|amended|entered-in-error
        type CodeableConcept 0..1
        category CodeableConcept 0..*
        subject Reference 0..1
        date instant 0..1
        author Reference 0..*
        authenticator Reference 0..1
        custodian Reference 0..1
        relatesTo DocumentReference.relatesTo 0..*
        description string 0..1
        securityLabel CodeableConcept 0..*
        content DocumentReference.content 1..*
        context DocumentReference.context 0..1
    """,
    "Consent": """
        identifier Identifier 0..*
        status code 1..1 draft|proposed|active|rejected|inactive|entered-in-error
        scope CodeableConcept 1..1
        category CodeableConcept 1..*
        patient Reference 0..1
        dateTime dateTime 0..1
        performer Reference 0..*
        organization Reference 0..*
        source[x] Attachment|Reference 0..1
        policy Consent.policy 0..*
        policyRule CodeableConcept 0..1
        verification Consent.verification 0..*
        provision Consent.provision 0..1
    """,
}

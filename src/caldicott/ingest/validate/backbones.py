# ruff: noqa: E501 - element tables read best one element a line
"""FHIR R4 BackboneElements of the tabled resources and data types, as element tables.

Each is named ``Owner.element`` and is used as a type in the owner's table (for example
``component Observation.component 0..*``). They carry the BackboneElement base
(``id``, ``extension``, ``modifierExtension``) and use the notation of :mod:`.datatypes`.
A backbone may name another, or itself (``Consent.provision.provision``).
"""

from __future__ import annotations

#: Elements every BackboneElement may carry.
BACKBONE_BASE = """
    id string 0..1
    extension Extension 0..*
    modifierExtension Extension 0..*
"""

BACKBONES: dict[str, str] = {
    "Timing.repeat": """
        bounds[x] Duration|Range|Period 0..1
        count positiveInt 0..1
        countMax positiveInt 0..1
        duration decimal 0..1
        durationMax decimal 0..1
        durationUnit code 0..1 s|min|h|d|wk|mo|a
        frequency positiveInt 0..1
        frequencyMax positiveInt 0..1
        period decimal 0..1
        periodMax decimal 0..1
        periodUnit code 0..1 s|min|h|d|wk|mo|a
        dayOfWeek code 0..* mon|tue|wed|thu|fri|sat|sun
        timeOfDay time 0..*
        when code 0..*
        offset unsignedInt 0..1
    """,
    "Dosage.doseAndRate": """
        type CodeableConcept 0..1
        dose[x] Range|Quantity 0..1
        rate[x] Ratio|Range|Quantity 0..1
    """,
    "Patient.contact": """
        relationship CodeableConcept 0..*
        name HumanName 0..1
        telecom ContactPoint 0..*
        address Address 0..1
        gender code 0..1 male|female|other|unknown
        organization Reference 0..1
        period Period 0..1
    """,
    "Patient.communication": """
        language CodeableConcept 1..1
        preferred boolean 0..1
    """,
    "Patient.link": """
        other Reference 1..1
        type code 1..1 replaced-by|replaces|refer|seealso
    """,
    "Encounter.statusHistory": """
        status code 1..1 planned|arrived|triaged|in-progress|onleave|finished|cancelled|entered-in-error|unknown
        period Period 1..1
    """,
    "Encounter.classHistory": """
        class Coding 1..1
        period Period 1..1
    """,
    "Encounter.participant": """
        type CodeableConcept 0..*
        period Period 0..1
        individual Reference 0..1
    """,
    "Encounter.diagnosis": """
        condition Reference 1..1
        use CodeableConcept 0..1
        rank positiveInt 0..1
    """,
    "Encounter.hospitalization": """
        preAdmissionIdentifier Identifier 0..1
        origin Reference 0..1
        admitSource CodeableConcept 0..1
        reAdmission CodeableConcept 0..1
        dietPreference CodeableConcept 0..*
        specialCourtesy CodeableConcept 0..*
        specialArrangement CodeableConcept 0..*
        destination Reference 0..1
        dischargeDisposition CodeableConcept 0..1
    """,
    "Encounter.location": """
        location Reference 1..1
        status code 0..1 planned|active|reserved|completed
        physicalType CodeableConcept 0..1
        period Period 0..1
    """,
    "Condition.stage": """
        summary CodeableConcept 0..1
        assessment Reference 0..*
        type CodeableConcept 0..1
    """,
    "Condition.evidence": """
        code CodeableConcept 0..*
        detail Reference 0..*
    """,
    "Observation.referenceRange": """
        low Quantity 0..1
        high Quantity 0..1
        type CodeableConcept 0..1
        appliesTo CodeableConcept 0..*
        age Range 0..1
        text string 0..1
    """,
    "Observation.component": """
        code CodeableConcept 1..1
        value[x] Quantity|CodeableConcept|string|boolean|integer|Range|Ratio|SampledData|time|dateTime|Period 0..1
        dataAbsentReason CodeableConcept 0..1
        interpretation CodeableConcept 0..*
        referenceRange Observation.referenceRange 0..*
    """,
    "MedicationRequest.dispenseRequest": """
        initialFill MedicationRequest.dispenseRequest.initialFill 0..1
        dispenseInterval Duration 0..1
        validityPeriod Period 0..1
        numberOfRepeatsAllowed unsignedInt 0..1
        quantity Quantity 0..1
        expectedSupplyDuration Duration 0..1
        performer Reference 0..1
    """,
    "MedicationRequest.dispenseRequest.initialFill": """
        quantity Quantity 0..1
        duration Duration 0..1
    """,
    "MedicationRequest.substitution": """
        allowed[x] boolean|CodeableConcept 1..1
        reason CodeableConcept 0..1
    """,
    "Immunization.performer": """
        function CodeableConcept 0..1
        actor Reference 1..1
    """,
    "Immunization.education": """
        documentType string 0..1
        reference uri 0..1
        publicationDate dateTime 0..1
        presentationDate dateTime 0..1
    """,
    "Immunization.reaction": """
        date dateTime 0..1
        detail Reference 0..1
        reported boolean 0..1
    """,
    "Immunization.protocolApplied": """
        series string 0..1
        authority Reference 0..1
        targetDisease CodeableConcept 0..*
        doseNumber[x] positiveInt|string 1..1
        seriesDoses[x] positiveInt|string 0..1
    """,
    "Procedure.performer": """
        function CodeableConcept 0..1
        actor Reference 1..1
        onBehalfOf Reference 0..1
    """,
    "Procedure.focalDevice": """
        action CodeableConcept 0..1
        manipulated Reference 1..1
    """,
    "AllergyIntolerance.reaction": """
        substance CodeableConcept 0..1
        manifestation CodeableConcept 1..*
        description string 0..1
        onset dateTime 0..1
        severity code 0..1 mild|moderate|severe
        exposureRoute CodeableConcept 0..1
        note Annotation 0..*
    """,
    "DocumentReference.relatesTo": """
        code code 1..1 replaces|transforms|signs|appends
        target Reference 1..1
    """,
    "DocumentReference.content": """
        attachment Attachment 1..1
        format Coding 0..1
    """,
    "DocumentReference.context": """
        encounter Reference 0..*
        event CodeableConcept 0..*
        period Period 0..1
        facilityType CodeableConcept 0..1
        practiceSetting CodeableConcept 0..1
        sourcePatientInfo Reference 0..1
        related Reference 0..*
    """,
    "Consent.policy": """
        authority uri 0..1
        uri uri 0..1
    """,
    "Consent.verification": """
        verified boolean 1..1
        verifiedWith Reference 0..1
        verificationDate dateTime 0..1
    """,
    "Consent.provision": """
        type code 0..1 deny|permit
        period Period 0..1
        actor Consent.provision.actor 0..*
        action CodeableConcept 0..*
        securityLabel Coding 0..*
        purpose Coding 0..*
        class Coding 0..*
        code CodeableConcept 0..*
        dataPeriod Period 0..1
        data Consent.provision.data 0..*
        provision Consent.provision 0..*
    """,
    "Consent.provision.actor": """
        role CodeableConcept 1..1
        reference Reference 1..1
    """,
    "Consent.provision.data": """
        meaning code 1..1 instance|related|dependents|authoredby
        reference Reference 1..1
    """,
}

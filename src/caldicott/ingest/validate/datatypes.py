"""FHIR R4 complex data types, as element tables the validator compiles.

Each line: ``name Type[|Type...] min..max [allowed|codes]``. A type named
``Owner.element`` is a BackboneElement tabled in :mod:`.backbones`. A type without a table
(``Extension``, ``SampledData``) is checked generically: references, codes and identifiers
inside it are still found and checked. ``[x]`` names a choice element.
"""

from __future__ import annotations

DATATYPES: dict[str, str] = {
    "Coding": """
        system uri 0..1
        version string 0..1
        code code 0..1
        display string 0..1
        userSelected boolean 0..1
    """,
    "CodeableConcept": """
        coding Coding 0..*
        text string 0..1
    """,
    "Identifier": """
        use code 0..1 usual|official|temp|secondary|old
        type CodeableConcept 0..1
        system uri 0..1
        value string 0..1
        period Period 0..1
        assigner Reference 0..1
    """,
    "Reference": """
        reference string 0..1
        type uri 0..1
        identifier Identifier 0..1
        display string 0..1
    """,
    "Period": """
        start dateTime 0..1
        end dateTime 0..1
    """,
    "Quantity": """
        value decimal 0..1
        comparator code 0..1 <|<=|>=|>
        unit string 0..1
        system uri 0..1
        code code 0..1
    """,
    "Money": """
        value decimal 0..1
        currency code 0..1
    """,
    "Range": """
        low Quantity 0..1
        high Quantity 0..1
    """,
    "Ratio": """
        numerator Quantity 0..1
        denominator Quantity 0..1
    """,
    "HumanName": """
        use code 0..1 usual|official|temp|nickname|anonymous|old|maiden
        text string 0..1
        family string 0..1
        given string 0..*
        prefix string 0..*
        suffix string 0..*
        period Period 0..1
    """,
    "Address": """
        use code 0..1 home|work|temp|old|billing
        type code 0..1 postal|physical|both
        text string 0..1
        line string 0..*
        city string 0..1
        district string 0..1
        state string 0..1
        postalCode string 0..1
        country string 0..1
        period Period 0..1
    """,
    "ContactPoint": """
        system code 0..1 phone|fax|email|pager|url|sms|other
        value string 0..1
        use code 0..1 home|work|temp|old|mobile
        rank positiveInt 0..1
        period Period 0..1
    """,
    "Attachment": """
        contentType code 0..1
        language code 0..1
        data base64Binary 0..1
        url url 0..1
        size unsignedInt 0..1
        hash base64Binary 0..1
        title string 0..1
        creation dateTime 0..1
    """,
    "Annotation": """
        author[x] Reference|string 0..1
        time dateTime 0..1
        text markdown 1..1
    """,
    "Meta": """
        versionId id 0..1
        lastUpdated instant 0..1
        source uri 0..1
        profile canonical 0..*
        security Coding 0..*
        tag Coding 0..*
    """,
    "Narrative": """
        status code 1..1 generated|extensions|additional|empty
        div string 1..1
    """,
    "Timing": """
        event dateTime 0..*
        repeat Timing.repeat 0..1
        code CodeableConcept 0..1
    """,
    "Dosage": """
        sequence integer 0..1
        text string 0..1
        additionalInstruction CodeableConcept 0..*
        patientInstruction string 0..1
        timing Timing 0..1
        asNeeded[x] boolean|CodeableConcept 0..1
        site CodeableConcept 0..1
        route CodeableConcept 0..1
        method CodeableConcept 0..1
        doseAndRate Dosage.doseAndRate 0..*
        maxDosePerPeriod Ratio 0..1
        maxDosePerAdministration Quantity 0..1
        maxDosePerLifetime Quantity 0..1
    """,
}

#: Quantity profiles that share Quantity's elements.
ALIASES = {
    "Age": "Quantity",
    "Duration": "Quantity",
    "Count": "Quantity",
    "Distance": "Quantity",
    "SimpleQuantity": "Quantity",
}

#: Elements every element may carry, and every data type may hold.
ELEMENT_BASE = """
    id string 0..1
    extension Extension 0..*
"""

#: Elements every resource (DomainResource) may carry.
RESOURCE_BASE = """
    resourceType code 1..1
    id id 0..1
    meta Meta 0..1
    implicitRules uri 0..1
    language code 0..1
    text Narrative 0..1
    contained Resource 0..*
    extension Extension 0..*
    modifierExtension Extension 0..*
"""

"""What each role may do, as data: model label (or ``app.*``) → actions. District scope is applied separately.

A grant never widens the scope: a district handler who may ``change`` enterprises changes only those in
their districts; an enterprise user only ever sees their own enterprise.
"""

from __future__ import annotations

from ecobrain.accounts.choices import Role

ALL = frozenset({"view", "add", "change", "delete", "import", "export"})
READ = frozenset({"view", "export"})
EDIT = frozenset({"view", "add", "change", "import", "export"})
VIEW = frozenset({"view"})

# Assessment results (AQI, statistics, water classes) are published information: every role reads them.
ASSESSMENT = {"assessment.*": READ}
REFERENCE = {
    "core.region": VIEW,
    "core.organisation": VIEW,
    "registry.monitoringfactor": READ,
    **ASSESSMENT,
}

# Monitoring data: series and observations follow their device's scope; the raw archive is for the
# people who run the network (monitoring staff, admin) and the leaders who oversee it.
MONITORING_DATA = {
    "monitoring.series": READ,
    "monitoring.realtimeobservation": READ,
    "monitoring.minuteobservation": READ,
    "monitoring.hourobservation": READ,
    "monitoring.dayobservation": READ,
    "monitoring.dailycompleteness": READ,
}
# Importing observations (HTTP, files): the people who run the monitoring network, in their scope.
OBSERVATION_IMPORT = {label: READ | {"import"} for label in MONITORING_DATA if label != "monitoring.series"}

ROLE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    Role.SYSTEM_ADMIN: {"*": ALL},
    Role.BUREAU_LEADER: {
        **REFERENCE,
        **MONITORING_DATA,
        "monitoring.archivedpacket": VIEW,
        "registry.*": READ,
        "audit.objectchange": VIEW,
        "audit.securityevent": VIEW,
    },
    Role.MONITORING_STAFF: {
        **REFERENCE,
        **MONITORING_DATA,
        **OBSERVATION_IMPORT,
        "monitoring.archivedpacket": READ,
        "registry.station": ALL,
        "registry.device": ALL,
        "registry.monitoringfactor": EDIT,
        "registry.enterprise": READ,
        "registry.outlet": READ,
        "registry.outletfactor": READ,
        "registry.permit": READ,
        "registry.permitpollutant": READ,
    },
    Role.ENFORCEMENT_OFFICER: {
        **REFERENCE,
        **MONITORING_DATA,
        "registry.enterprise": EDIT,
        "registry.contact": EDIT,
        "registry.outlet": EDIT,
        "registry.outletfactor": EDIT,
        "registry.permit": EDIT,
        "registry.permitpollutant": EDIT,
        "registry.device": EDIT,
        "registry.station": READ,
    },
    Role.DISTRICT_HANDLER: {
        **REFERENCE,
        **MONITORING_DATA,
        "registry.enterprise": EDIT,
        "registry.contact": EDIT,
        "registry.outlet": EDIT,
        "registry.outletfactor": EDIT,
        "registry.permit": READ,
        "registry.permitpollutant": READ,
        "registry.device": READ,
        "registry.station": READ,
    },
    Role.ENTERPRISE_USER: {
        **REFERENCE,
        **{label: VIEW for label in MONITORING_DATA},
        "registry.enterprise": VIEW,
        "registry.contact": VIEW,
        "registry.outlet": VIEW,
        "registry.outletfactor": VIEW,
        "registry.permit": VIEW,
        "registry.permitpollutant": VIEW,
        "registry.device": VIEW,
    },
    Role.DATA_CONSUMER: {**REFERENCE, "registry.station": READ},
}

# Device sessions (online status) and host→device commands (ingest): whoever may view a device sees its link
# and its command history; only monitoring staff (and the system admin, who holds every grant) send commands.
INGEST_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    Role.BUREAU_LEADER: {
        "ingest.devicesession": READ,
        "ingest.devicestatuschange": READ,
        "ingest.devicecommand": VIEW,
    },
    Role.MONITORING_STAFF: {
        "ingest.devicesession": READ,
        "ingest.devicestatuschange": READ,
        "ingest.devicecommand": frozenset({"view", "add", "change"}),  # change: cancel a queued command
    },
    Role.ENFORCEMENT_OFFICER: {
        "ingest.devicesession": READ,
        "ingest.devicestatuschange": READ,
        "ingest.devicecommand": VIEW,
    },
    Role.DISTRICT_HANDLER: {
        "ingest.devicesession": READ,
        "ingest.devicestatuschange": READ,
        "ingest.devicecommand": VIEW,
    },
    Role.ENTERPRISE_USER: {
        "ingest.devicesession": VIEW,
        "ingest.devicestatuschange": VIEW,
        "ingest.devicecommand": VIEW,
    },
}
for _role, _grants in INGEST_GRANTS.items():
    ROLE_GRANTS[_role].update(_grants)


# Alarms and work orders (docs/alarms.md, docs/workorders.md). Rules are configured by monitoring staff; alarms are
# acknowledged and dispatched by the duty roles in their scope; work orders are created by the city (and leaders'
# instructions), handled by district branches, checked by the dispatching side (the services enforce who).
WORKFLOW_READ = {
    "alarms.alarm": READ,
    "alarms.alarmevent": VIEW,
    "alarms.alarmrule": VIEW,
    "workorders.workorder": READ,
    "workorders.workorderevent": VIEW,
    "workorders.workorderattachment": VIEW,
    "workorders.extensionrequest": VIEW,
    "workorders.deadlinepolicy": VIEW,
    "workorders.holiday": VIEW,
}
HANDLE = frozenset({"view", "change", "export"})
WORKFLOW_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    # Leaders issue instructions (with documents attached), check results and decide extensions.
    Role.BUREAU_LEADER: {
        **WORKFLOW_READ,
        "workorders.workorder": READ | {"add", "change"},
        "workorders.workorderattachment": VIEW | {"add"},
    },
    Role.MONITORING_STAFF: {
        **WORKFLOW_READ,
        "alarms.alarmrule": EDIT | {"delete"},
        "alarms.alarm": HANDLE,
        "workorders.workorder": EDIT,
        "workorders.workorderattachment": EDIT,
        "workorders.extensionrequest": EDIT,
    },
    Role.ENFORCEMENT_OFFICER: {
        **WORKFLOW_READ,
        "alarms.alarm": HANDLE,
        "workorders.workorder": EDIT,
        "workorders.workorderattachment": EDIT,
        "workorders.extensionrequest": EDIT,
    },
    Role.DISTRICT_HANDLER: {
        **WORKFLOW_READ,
        "alarms.alarm": HANDLE,
        "workorders.workorder": HANDLE,
        "workorders.workorderattachment": EDIT,
        "workorders.extensionrequest": EDIT,
    },
    Role.ENTERPRISE_USER: {"alarms.alarm": VIEW, "alarms.alarmevent": VIEW},
}
for _role, _grants in WORKFLOW_GRANTS.items():
    ROLE_GRANTS[_role].update(_grants)


# Complaints (docs/complaints.md) and disclosure notices (docs/portal.md). The city's complaint desk (enforcement
# officers) confirms triage and dispatches; district handlers see and reply to the complaints of their districts;
# leaders read. Export never includes personal data. Notices are written and published by the bureau's office
# (here: monitoring staff for quality bulletins, enforcement officers for penalties and permits).
PUBLIC_SERVICE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    Role.BUREAU_LEADER: {
        "complaints.complaint": READ,
        "complaints.complaintevent": VIEW,
        "complaints.complaintphoto": VIEW,
        "portal.notice": READ,
    },
    Role.MONITORING_STAFF: {"portal.notice": EDIT | {"delete"}},
    Role.ENFORCEMENT_OFFICER: {
        "complaints.complaint": EDIT,
        "complaints.complaintevent": VIEW,
        "complaints.complaintphoto": VIEW,
        "portal.notice": EDIT | {"delete"},
    },
    Role.DISTRICT_HANDLER: {
        "complaints.complaint": HANDLE,
        "complaints.complaintevent": VIEW,
        "complaints.complaintphoto": VIEW,
    },
}
for _role, _grants in PUBLIC_SERVICE_GRANTS.items():
    ROLE_GRANTS[_role].update(_grants)


def role_allows(role: str, label: str, action: str) -> bool:
    grants = ROLE_GRANTS.get(role, {})
    app = label.split(".", 1)[0]
    return any(action in grants.get(key, ()) for key in (label, f"{app}.*", "*"))

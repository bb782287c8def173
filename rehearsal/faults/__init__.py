"""``make faults``: the fault campaign (``campaign.py``) over the faults of ``cases.py``, checked by ``checks.py``.

    python -m rehearsal.faults                      # every fault
    python -m rehearsal.faults 404-address-refresh  # only these
"""

"""``make faults``: the fault campaign (``campaign.py``) over the faults of ``cases.py``, checked by ``checks.py``, on
threads of ``pool.py``, its deploys in sessions of their own (``sessions.py``).

    python -m rehearsal.faults                      # every fault
    python -m rehearsal.faults 404-address-refresh  # only these
"""

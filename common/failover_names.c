// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Printable names of the failover policy's states, reasons and signals. */
#include "failover.h"

static const char *const fo_state_names[FABRIC_FO_STATE_MAX] = {
	[FABRIC_FO_UP]		= "up",
	[FABRIC_FO_DOWN]	= "down",
	[FABRIC_FO_HOLDDOWN]	= "holddown",
};

static const char *const fo_reason_names[FABRIC_FO_R_MAX] = {
	[FABRIC_FO_R_NONE]		= "none",
	[FABRIC_FO_R_INIT]		= "init",
	[FABRIC_FO_R_CARRIER_DOWN]	= "carrier-down",
	[FABRIC_FO_R_PROBE_LOSS]	= "probe-loss",
	[FABRIC_FO_R_GAP_BURST]		= "gap-burst",
	[FABRIC_FO_R_SILENCE]		= "silence",
	[FABRIC_FO_R_ADMIN_DRAIN]	= "admin-drain",
	[FABRIC_FO_R_CARRIER_UP]	= "carrier-up",
	[FABRIC_FO_R_PROBE_OK]		= "probes-ok",
	[FABRIC_FO_R_ADMIN_UNDRAIN]	= "admin-undrain",
	[FABRIC_FO_R_HOLD_EXPIRED]	= "holddown-expired",
	[FABRIC_FO_R_GRAY]		= "gray",
	[FABRIC_FO_R_GRAY_CLEAR]	= "gray-clear",
};

static const char *const fo_signal_names[FABRIC_FO_SIG_MAX] = {
	[FABRIC_FO_SIG_CARRIER_DOWN]	= "carrier-down",
	[FABRIC_FO_SIG_CARRIER_UP]	= "carrier-up",
	[FABRIC_FO_SIG_PROBE_OK]	= "probe-ok",
	[FABRIC_FO_SIG_PROBE_MISS]	= "probe-miss",
	[FABRIC_FO_SIG_GAP_BURST]	= "gap-burst",
	[FABRIC_FO_SIG_SILENCE]		= "silence",
	[FABRIC_FO_SIG_GRAY]		= "gray",
	[FABRIC_FO_SIG_GRAY_CLEAR]	= "gray-clear",
};

const char *fabric_fo_state_name(__u32 state)
{
	return state < FABRIC_FO_STATE_MAX ? fo_state_names[state] : "unknown";
}

const char *fabric_fo_reason_name(__u32 reason)
{
	return reason < FABRIC_FO_R_MAX ? fo_reason_names[reason] : "unknown";
}

const char *fabric_fo_signal_name(__u32 signal)
{
	return signal < FABRIC_FO_SIG_MAX ? fo_signal_names[signal] : "unknown";
}

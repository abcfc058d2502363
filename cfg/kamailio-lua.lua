-- gcp sample routing in Lua (KEMI, app_lua), loaded by cfg/kamailio-kemi.cfg.
--
-- The same routing as the route blocks of cfg/kamailio.cfg, block for block
-- (route[NAME] is ksr_route_name here): a registrar and proxy for local
-- users with Group Call Pickup, NAT-aware, digest authentication with
-- WITH_AUTH, the Lync routing cases of cfg/routing-cases.cfg, and
-- voicemail for calls that nobody answered or picked up.
--
-- gcp's functions are KSR.gcp.*:
--   KSR.gcp.track()                gcp_track()
--   KSR.gcp.track_group(group)     gcp_track(group)
--   KSR.gcp.pickup()               gcp_pickup()
--   KSR.gcp.is_group_number()      gcp_is_group_number()
--   KSR.gcp.is_group_number_str(n) gcp_is_group_number(n)
--   KSR.gcp.was_picked()           gcp_was_picked()
-- and event_route[gcp:picked] is ksr_gcp_event() (modparam
-- "event_callback"), with $gcp(...) readable through KSR.pv.

FLT_NATS = 5
FLB_NATB = 6
FLB_NATSIPPING = 7
-- an INVITE that can pick up a call (ksr_route_pickup_auth)
FLT_PICKUP = 8
-- a SUBSCRIBE or PUBLISH of dialog state for a local presentity
-- (ksr_route_presence_auth)
FLT_PRESENCE = 9

-- a define of the cfg (-A NAME=VALUE), without its quotes
local function cfg_define(name, default)
	local v = KSR.pv.get("$def(" .. name .. ")")
	if v == nil then
		return default
	end
	v = tostring(v):gsub('^"(.*)"$', "%1")
	return v
end

local VOICEMAIL_HOST = nil
local AUTH_REALM = nil

-- request_route
function ksr_request_route()
	ksr_route_reqinit()
	ksr_route_natdetect()

	-- CANCEL processing
	if KSR.is_CANCEL() then
		if KSR.tm.t_check_trans() > 0 then
			ksr_route_relay()
		end
		return 1
	end

	-- handle retransmissions
	if not KSR.is_ACK() then
		if KSR.tmx.t_precheck_trans() > 0 then
			KSR.tm.t_check_trans()
			return 1
		end
		if KSR.tm.t_check_trans() == 0 then
			return 1
		end
	end

	ksr_route_withindlg()

	KSR.hdr.remove("Route")
	if KSR.is_method_in("IS") then
		KSR.rr.record_route()
	end

	ksr_route_no_autoanswer()
	ksr_route_pickup_auth()
	ksr_route_presence_auth()
	ksr_route_auth()
	ksr_route_registrar()
	ksr_route_presence()

	if KSR.corex.has_ruri_user() < 0 then
		KSR.sl.sl_send_reply(484, "Address Incomplete")
		return 1
	end

	ksr_route_pickup()
	if KSR.kx.ifdef("WITH_AUTH") and KSR.isflagset(FLT_PICKUP) then
		-- an INVITE of ksr_route_pickup_auth that gcp did not take (a
		-- Replaces or ** INVITE): its credentials go no further than here
		KSR.auth.consume_credentials()
	end
	ksr_route_local()
	return 1
end

function ksr_route_relay()
	if KSR.is_method_in("IBSU") then
		if KSR.tm.t_is_set("branch_route") < 0 then
			KSR.tm.t_on_branch("ksr_branch_manage")
		end
	end
	if KSR.is_method_in("ISU") then
		if KSR.tm.t_is_set("onreply_route") < 0 then
			KSR.tm.t_on_reply("ksr_onreply_manage")
		end
	end
	if KSR.is_INVITE() then
		if KSR.tm.t_is_set("failure_route") < 0 then
			KSR.tm.t_on_failure("ksr_failure_manage")
		end
	end
	if KSR.tm.t_relay() < 0 then
		KSR.sl.sl_reply_error()
	end
	KSR.x.exit()
end

function ksr_route_reqinit()
	local ua = KSR.kx.gete_ua()
	for _, bad in ipairs({ "friendly", "scanner", "sipcli", "sipvicious", "VaxSIPUserAgent" }) do
		if string.find(ua, bad, 1, true) then
			KSR.x.exit()
		end
	end
	if KSR.maxfwd.process_maxfwd(10) < 0 then
		KSR.sl.sl_send_reply(483, "Too Many Hops")
		KSR.x.exit()
	end
	if KSR.is_OPTIONS() and KSR.is_myself_ruri() and KSR.corex.has_ruri_user() < 0 then
		KSR.sl.sl_send_reply(200, "Keepalive")
		KSR.x.exit()
	end
	if KSR.sanity.sanity_check(17895, 7) < 0 then
		KSR.warn("malformed SIP request from " .. KSR.kx.get_srcip() .. ":" .. KSR.kx.get_srcport() .. "\n")
		KSR.x.exit()
	end
end

function ksr_route_withindlg()
	if KSR.siputils.has_totag() < 0 then
		return 1
	end
	if KSR.rr.loose_route() > 0 then
		ksr_route_dlguri()
		if KSR.is_ACK() then
			ksr_route_natmanage()
		elseif KSR.is_NOTIFY() then
			KSR.rr.record_route()
		end
		ksr_route_relay()
		KSR.x.exit()
	end
	if KSR.kx.ifdef("GCP_PRESENCE_DB") and KSR.is_SUBSCRIBE() and KSR.is_myself_ruri() then
		-- a watcher refreshes or ends its subscription: presence checks
		-- that the dialog is one of its own
		ksr_route_presence_serve()
	end
	if KSR.is_ACK() then
		-- ACK to a local negative reply (e.g. gcp's reply to a picker) or
		-- to a relayed one: tm absorbs it
		if KSR.tm.t_check_trans() > 0 then
			ksr_route_relay()
		end
		KSR.x.exit()
	end
	KSR.sl.sl_send_reply(404, "Not here")
	KSR.x.exit()
end

function ksr_route_dlguri()
	if not KSR.isdsturiset() then
		KSR.nathelper.handle_ruri_alias()
	end
	return 1
end

-- route[NO_AUTOANSWER]: auto-answer headers from outside. A caller could
-- ask a member's phone to answer by itself (Call-Info ...;answer-after=0,
-- Alert-Info ...;info=alert-autoanswer or "Auto Answer", "intercom",
-- Answer-Mode: Auto and Priv-Answer-Mode of RFC 5373) and so listen in on
-- its room. Only gcp's own inject branch may do that: the module adds its
-- auto-answer headers (modparam inject_headers) to the new branch inside
-- tm when it sends it, after the request route ran, so stripping them here
-- from every initial INVITE does not touch them (the removals are lumps of
-- the ringing call's INVITE, gcp's headers lumps of the injected branch
-- only). Answer-Mode and Priv-Answer-Mode mean nothing else: they go.
-- Call-Info and Alert-Info also carry what harms no one (a caller's photo,
-- a ring tone): only the header fields whose value asks for auto-answer go
-- (a field that lists such a value next to others goes whole). An
-- intercom among authenticated local users would skip this for them.
local AUTOANSWER_RE = "answer-after|auto[-_ ]?answer|intercom|ring[-_ ]?answer"
function ksr_route_no_autoanswer()
	if not KSR.is_INVITE() or KSR.siputils.has_totag() > 0 then
		return 1
	end
	KSR.hdr.remove("Answer-Mode")
	KSR.hdr.remove("Priv-Answer-Mode")
	KSR.textops.remove_hf_match("Call-Info", "re", AUTOANSWER_RE)
	KSR.textops.remove_hf_match("Alert-Info", "re", AUTOANSWER_RE)
	return 1
end

-- route[PICKUP_AUTH]: the INVITEs that can pick up a call get flag
-- FLT_PICKUP: an INVITE to a group number, one with a Replaces header (a
-- BLF pickup names the call it takes), to **<user> (directed pickup) or to
-- *8<user> (KSR.gcp.pickup() and pickup_directed_user() in
-- ksr_route_pickup); add new kinds of pickup here. With WITH_AUTH every one must
-- carry valid credentials of a local user, whatever its From says:
-- ksr_route_auth asks only when the From URI is "myself" (host, and port
-- when the URI has one), so a From that names one of our users but fails
-- that check (another port, a display name, a foreign host with ;maddr)
-- would otherwise reach KSR.gcp.pickup() without credentials. (Replaces
-- INVITEs from other domains, an attended transfer by a remote party, are
-- challenged too.)
--
-- The credentials stay in the INVITE up to KSR.gcp.pickup(): gcp reads
-- the authorized ones ($au, get_authorized_cred()) as the picker's
-- identity. What this relies on, in Kamailio 5.6's auth module:
-- pv_auth_check() marks the credentials of the realm as "authorized" in
-- the parsed header before it checks them (pre_auth(), also when the
-- check then fails: so they are the picker's only because we exit on a
-- failure here), and consume_credentials() only adds a lump that deletes
-- the header from what is sent on; the parsed header stays, marked. It is
-- called where the INVITE leaves: in ksr_route_pickup before the replaces
-- t_relay() (inject: gcp answers the picker itself, nothing is sent on),
-- and in ksr_request_route for the others.
function ksr_route_pickup_auth()
	if not KSR.is_INVITE() or KSR.siputils.has_totag() > 0 then
		return 1
	end
	local ru = KSR.kx.gete_ruser()
	if KSR.gcp.is_group_number() < 0 and KSR.textops.is_present_hf("Replaces") < 0
			and string.sub(ru, 1, 2) ~= "**" and not string.match(ru, "^%*8%d+$") then
		return 1
	end
	KSR.setflag(FLT_PICKUP)
	if KSR.kx.ifdef("WITH_AUTH") then
		AUTH_REALM = AUTH_REALM or cfg_define("AUTH_REALM", "127.0.0.1")
		-- a user with no password is challenged: KSR.auth.pv_auth_check()
		-- accepts credentials computed over an empty password
		local pw = KSR.htable.sht_get("auth", KSR.kx.gete_fuser())
		if pw == nil or pw == "" or KSR.auth.pv_auth_check(AUTH_REALM, pw, 0, 1) < 0 then
			KSR.auth.auth_challenge(AUTH_REALM, 0)
			KSR.x.exit()
		end
	end
	return 1
end

function ksr_route_auth()
	if KSR.kx.ifdef("WITH_AUTH") then
		-- (an INVITE that can pick up a call: ksr_route_pickup_auth did it)
		-- (a SUBSCRIBE or PUBLISH of dialog state: ksr_route_presence_auth)
		if not KSR.isflagset(FLT_PICKUP) and not KSR.isflagset(FLT_PRESENCE)
				and (KSR.is_REGISTER() or KSR.is_myself_furi()) then
			local fhost = KSR.kx.gete_fhost()
			-- a user with no password is challenged: KSR.auth.pv_auth_check()
			-- accepts credentials computed over an empty password (the
			-- native pv_auth_check() refuses it)
			local pw = KSR.htable.sht_get("auth", KSR.kx.gete_fuser())
			if pw == nil or pw == "" or KSR.auth.pv_auth_check(fhost, pw, 0, 1) < 0 then
				KSR.auth.auth_challenge(fhost, 0)
				KSR.x.exit()
			end
			if not KSR.is_method_in("RP") then
				KSR.auth.consume_credentials()
			end
		end
	end
	-- only our own users may use this proxy to reach others; anyone may
	-- call our users
	if not KSR.is_myself_furi() and not KSR.is_myself_ruri() then
		KSR.sl.sl_send_reply(403, "Not relaying")
		KSR.x.exit()
	end
	return 1
end

-- route[PRESENCE_AUTH]: busy-lamp field. A SUBSCRIBE or PUBLISH of dialog
-- state (Event: dialog) for one of our users or group numbers gets flag
-- FLT_PRESENCE; the presence server of this instance takes it
-- (ksr_route_presence). With WITH_AUTH only local users with valid
-- credentials may watch or publish, whatever their From says (a NOTIFY
-- carries the call-id and tags that a Replaces pickup needs), except the
-- PUBLISHes of this instance itself (gcp through pua, sent from our own
-- socket to it). Without GCP_PRESENCE_DB there is no presence server:
-- these requests go on as before.
function ksr_route_presence_auth()
	if not KSR.kx.ifdef("GCP_PRESENCE_DB") then
		return 1
	end
	if not KSR.is_method_in("SP") or KSR.siputils.has_totag() > 0 or not KSR.is_myself_ruri() then
		return 1
	end
	local ev = KSR.hdr.get("Event")
	if ev == nil or not (string.match(ev, "^%s*dialog%s*;") or string.match(ev, "^%s*dialog%s*$")) then
		return 1
	end
	KSR.setflag(FLT_PRESENCE)
	if KSR.kx.ifdef("WITH_AUTH") then
		if KSR.is_PUBLISH() and KSR.kx.get_srcip() == KSR.kx.get_rcvip()
				and KSR.kx.get_srcport() == KSR.kx.get_rcvport() then
			return 1
		end
		AUTH_REALM = AUTH_REALM or cfg_define("AUTH_REALM", "127.0.0.1")
		local pw = KSR.htable.sht_get("auth", KSR.kx.gete_fuser())
		if pw == nil or pw == "" or KSR.auth.pv_auth_check(AUTH_REALM, pw, 0, 1) < 0 then
			KSR.auth.auth_challenge(AUTH_REALM, 0)
			KSR.x.exit()
		end
	end
	return 1
end

-- route[PRESENCE]: the presence server answers what
-- ksr_route_presence_auth flagged
function ksr_route_presence()
	if KSR.kx.ifdef("GCP_PRESENCE_DB") and KSR.isflagset(FLT_PRESENCE) then
		ksr_route_presence_serve()
	end
	return 1
end

function ksr_route_presence_serve()
	if KSR.tm.t_newtran() < 0 then
		KSR.sl.sl_reply_error()
		KSR.x.exit()
	end
	if KSR.is_PUBLISH() then
		KSR.presence.handle_publish()
	else
		KSR.presence.handle_subscribe()
	end
	KSR.tm.t_release()
	KSR.x.exit()
end

function ksr_route_natdetect()
	KSR.force_rport()
	if KSR.nathelper.nat_uac_test(19) > 0 then
		if KSR.is_REGISTER() then
			KSR.nathelper.fix_nated_register()
		elseif KSR.siputils.is_first_hop() > 0 then
			KSR.nathelper.set_contact_alias()
		end
		KSR.setflag(FLT_NATS)
	end
	return 1
end

function ksr_route_natmanage()
	if KSR.siputils.is_request() > 0 then
		if KSR.siputils.has_totag() > 0 then
			if KSR.rr.check_route_param("nat=yes") > 0 then
				KSR.setbflag(FLB_NATB)
			end
		end
	end
	if not (KSR.isflagset(FLT_NATS) or KSR.isbflagset(FLB_NATB)) then
		return 1
	end
	if KSR.siputils.is_request() > 0 then
		if KSR.siputils.has_totag() < 0 then
			if KSR.tmx.t_is_branch_route() > 0 then
				KSR.rr.add_rr_param(";nat=yes")
			end
		end
	end
	if KSR.siputils.is_reply() > 0 then
		if KSR.isbflagset(FLB_NATB) then
			if KSR.siputils.is_first_hop() > 0 then
				KSR.nathelper.set_contact_alias()
			end
		end
	end
	return 1
end

function ksr_route_registrar()
	if not KSR.is_REGISTER() then
		return 1
	end
	if not KSR.is_myself_ruri() then
		KSR.sl.sl_send_reply(403, "Not relaying")
		KSR.x.exit()
	end
	-- group numbers are virtual: no phone may register on them
	local tu = KSR.kx.gete_tuser()
	if KSR.gcp.is_group_number_str(tu) > 0 then
		KSR.notice("REGISTER refused for pickup group number " .. tu .. " from " .. KSR.kx.get_srcip() .. "\n")
		KSR.sl.sl_send_reply(403, "Pickup Group Number")
		KSR.x.exit()
	end
	if KSR.isflagset(FLT_NATS) then
		KSR.setbflag(FLB_NATB)
		KSR.setbflag(FLB_NATSIPPING)
	end
	if KSR.registrar.save("location", 0) < 0 then
		KSR.sl.sl_reply_error()
	end
	KSR.x.exit()
end

-- A pickup: a group's oldest call, a member's (directed), or the call a
-- Replaces header names (a BLF key). (With WITH_AUTH ksr_route_pickup_auth
-- checked the picker's credentials, and left them in the INVITE for gcp.)
function ksr_route_pickup()
	if not KSR.is_INVITE() or KSR.siputils.has_totag() > 0 then
		return 1
	end
	local ru = KSR.kx.gete_ruser()
	local mine = KSR.is_myself_ruri()
	-- a group number (its oldest call), **<member> (directed pickup), or a
	-- Replaces header naming a ringing call (a desk phone's BLF key)
	if KSR.textops.is_present_hf("Replaces") > 0
			or (mine and (string.sub(ru, 1, 2) == "**" or KSR.gcp.is_group_number() > 0)) then
		local rc = KSR.gcp.pickup()
		-- -2: a Replaces of another dialog (an attended transfer): routed as usual
		if rc ~= -2 then
			ksr_pickup_done(rc)
		end
	end
	-- Asterisk's *8<extension>, the script's own code
	if mine and string.match(ru, "^%*8%d+$") then
		ksr_pickup_done(KSR.gcp.pickup_directed_user(string.sub(ru, 3)))
	end
	return 1
end

-- what KSR.gcp.pickup() or pickup_directed_user() said (no transaction for
-- rc < -1: the replies go statelessly)
function ksr_pickup_done(rc)
	if rc == 1 then
		-- replaces or auto: the INVITE now goes to the caller, with Replaces
		KSR.info("pickup by " .. KSR.kx.gete_fuser() .. ": to the caller at "
			.. KSR.kx.get_ruri() .. "\n")
		if KSR.kx.ifdef("WITH_AUTH") then
			KSR.auth.consume_credentials()
		end
		KSR.tm.t_on_branch("ksr_branch_manage")
		KSR.tm.t_on_reply("ksr_onreply_manage")
		if KSR.tm.t_relay() < 0 then
			KSR.sl.sl_reply_error()
		end
	elseif rc == 2 or rc == 0 then
		-- inject: gcp answered the picker and rings its phone with the call
		-- (0: a retransmission, absorbed)
	elseif rc == -3 then
		if KSR.textops.is_present_hf("Replaces") > 0 then
			-- a Replaces naming a call that cannot be picked up: RFC 3891's 481
			KSR.sl.send_reply(481, "Call/Transaction Does Not Exist")
		else
			KSR.sl.send_reply(480, "Nothing To Pick Up")
		end
	elseif rc == -4 then
		KSR.sl.send_reply(403, "Pickup Not Allowed")
	else
		KSR.sl.send_reply(500, "Pickup Failed")
	end
	KSR.x.exit()
end

-- Calls to local users, with the Lync routing cases.
function ksr_route_local()
	if not KSR.is_myself_ruri() then
		ksr_route_relay()
		KSR.x.exit()
	end
	if not KSR.is_INVITE() or KSR.siputils.has_totag() > 0 then
		ksr_route_location()
		ksr_route_relay()
		KSR.x.exit()
	end
	local ru = KSR.kx.get_ruser()
	KSR.pv.sets("$avp(callee)", ru)

	-- private line: rings its owner, never pickable
	local owner = KSR.htable.sht_get("cases", "private::" .. ru)
	if owner ~= nil then
		KSR.pv.sets("$rU", owner)
		KSR.pv.sets("$avp(callee)", owner)
		KSR.info("call " .. KSR.kx.get_callid() .. ": private line of " .. owner .. ", not pickable\n")
		ksr_route_location()
		ksr_route_relay()
		KSR.x.exit()
	end
	-- response group: rings its agents, never pickable
	local agents = KSR.htable.sht_get("cases", "rgs::" .. ru)
	if agents ~= nil then
		KSR.info("call " .. KSR.kx.get_callid() .. ": response group " .. ru .. ", not pickable\n")
		local list = ksr_split(agents)
		KSR.pv.sets("$rU", list[1])
		KSR.pv.sets("$avp(callee)", list[1])
		ksr_route_location()
		ksr_route_ring_list(list, 2)
		ksr_route_relay()
		KSR.x.exit()
	end
	-- delegates or a team call: the user and the others ring, not pickable
	agents = KSR.htable.sht_get("cases", "delegates::" .. ru) or KSR.htable.sht_get("cases", "team::" .. ru)
	if agents ~= nil then
		KSR.info("call " .. KSR.kx.get_callid() .. ": " .. ru .. " rings with delegates or a team, not pickable\n")
		ksr_route_location()
		ksr_route_ring_list(ksr_split(agents), 1)
		ksr_route_relay()
		KSR.x.exit()
	end

	-- an ordinary call to a member of a pickup group: track it (not for
	-- calls from the member's personal contacts: gcp.track says -3)
	local rc = KSR.gcp.track()
	if rc == 1 then
		KSR.dbg("call " .. KSR.kx.get_callid() .. " to " .. ru .. " tracked for pickup\n")
	elseif rc == -3 then
		KSR.info("call " .. KSR.kx.get_callid() .. " to " .. ru .. " may not be picked up\n")
	end
	ksr_route_location()
	ksr_route_relay()
	KSR.x.exit()
end

-- ring every registered device of the user in the R-URI
function ksr_route_location()
	local rc = KSR.registrar.lookup("location")
	if rc < 0 then
		KSR.tm.t_newtran()
		if rc == -1 or rc == -3 then
			KSR.sl.send_reply(404, "Not Found")
			KSR.x.exit()
		elseif rc == -2 then
			KSR.sl.send_reply(405, "Method Not Allowed")
			KSR.x.exit()
		end
	end
	return 1
end

-- "a,b,c" -> { "a", "b", "c" }
function ksr_split(s)
	local t = {}
	for v in string.gmatch(s, "[^,]+") do
		t[#t + 1] = v
	end
	return t
end

-- add the registered devices of the users in list, from position first,
-- to the destination set
function ksr_route_ring_list(list, first)
	local rd = KSR.kx.get_rhost()
	for i = first, #list do
		KSR.registrar.lookup_to_dset("location", "sip:" .. list[i] .. "@" .. rd)
	end
	return 1
end

-- failure_route[MANAGE_FAILURE]: unanswered calls go to voicemail; a
-- picked-up call never does
function ksr_failure_manage()
	ksr_route_natmanage()
	if KSR.tm.t_is_canceled() > 0 then
		return 1
	end
	local callee = KSR.pv.get("$avp(callee)")
	if callee == nil then
		return 1
	end
	if KSR.gcp.was_picked() > 0 then
		KSR.info("call " .. KSR.kx.get_callid() .. " was picked up: no voicemail\n")
		return 1
	end
	if KSR.tm.t_check_status("408|480|486|603") > 0 or KSR.tm.t_branch_timeout() > 0 then
		VOICEMAIL_HOST = VOICEMAIL_HOST or cfg_define("VOICEMAIL_HOST", "127.0.0.1:5099")
		KSR.seturi("sip:vm-" .. callee .. "@" .. VOICEMAIL_HOST)
		KSR.resetdsturi()
		KSR.info("call " .. KSR.kx.get_callid() .. " to " .. callee .. " not answered: to voicemail "
			.. KSR.kx.get_ruri() .. "\n")
		KSR.tm.t_on_failure("ksr_failure_voicemail")
		KSR.tm.t_relay()
	end
	return 1
end

function ksr_failure_voicemail()
	return 1
end

-- branch_route[MANAGE_BRANCH]
function ksr_branch_manage()
	ksr_route_natmanage()
	return 1
end

-- onreply_route[MANAGE_REPLY]
function ksr_onreply_manage()
	local rs = KSR.kx.get_status()
	if rs >= 100 and rs < 300 then
		ksr_route_natmanage()
	end
	return 1
end

-- event_route[gcp:picked]: one line per pickup, who picked which call
function ksr_gcp_event(evname)
	KSR.notice("gcp: call " .. (KSR.pv.get("$gcp(callid)") or "") .. " from " .. (KSR.pv.get("$gcp(caller)") or "")
		.. " to " .. (KSR.pv.get("$gcp(callee)") or "") .. " in group " .. (KSR.pv.get("$gcp(group)") or "")
		.. " picked up by " .. (KSR.pv.get("$gcp(picker)") or "") .. " (" .. evname .. ", kind "
		.. (KSR.pv.get("$gcp(kind)") or "") .. ")\n")
	return 1
end

-- kw-lua.rules: SCFlowStats gives to-server packets and bytes first, then to-client (Suricata 7's
-- todstpktcnt, todstbytecnt, tosrcpktcnt, tosrcbytecnt). At each dns.pcap query (the dns.request
-- need) its flow has one packet to the server (95 to 106 bytes on the wire) and none back.
function init(args)
    return {["dns.request"] = tostring(true)}
end

function match(args)
    local tscnt, tsbytes, tccnt, tcbytes = SCFlowStats()
    if tscnt == 1 and tsbytes >= 95 and tsbytes <= 106 and tccnt == 0 and tcbytes == 0 then
        return 1
    end
    return 0
end

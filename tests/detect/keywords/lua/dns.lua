-- kw-lua.rules: a DNS response (the dns.response need) with rcode NXDOMAIN for an A query
function init(args)
    return {["dns.response"] = tostring(true)}
end

function match(args)
    local q = DnsGetQueries()
    if q == nil or q[1] == nil then
        return 0
    end
    if DnsGetRcode() == "NXDOMAIN" and q[1]["type"] == "A" and q[1]["rrname"] == "nosuch.demo.example" then
        return 1
    end
    return 0
end

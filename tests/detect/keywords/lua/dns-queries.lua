-- kw-lua.rules: DnsGetQueries gives every question kept (the dns.request need): the 3 of query
-- 0x0b01 (the 2nd of type MX) and the first 8 of the 10 of query 0x0c01
function init(args)
    return {["dns.request"] = tostring(true)}
end

function match(args)
    local q = DnsGetQueries()
    if q == nil then
        return 0
    end
    if #q == 3 and q[2]["type"] == "MX" and q[2]["rrname"] == "beta.multi.example" and
        q[3]["rrname"] == "gamma.multi.example" then
        return 1
    end
    if #q == 8 and q[1]["rrname"] == "q0.multi.example" and q[8]["rrname"] == "q7.multi.example" then
        return 1
    end
    return 0
end

-- kw-lua.rules: a response whose answers have an A record (addr) for www.demo.example or a
-- CNAME (the dns.rrname need: the query name)
function init(args)
    return {["dns.rrname"] = tostring(true)}
end

function match(args)
    if args["dns.rrname"] ~= "www.demo.example" then
        return 0
    end
    local a = DnsGetAnswers()
    if a == nil then
        return 0
    end
    for _, rr in ipairs(a) do
        if rr["type"] == "A" and rr["addr"] ~= nil then
            return 1
        end
    end
    return 0
end

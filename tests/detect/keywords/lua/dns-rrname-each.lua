-- kw-lua.rules: the dns.rrname need runs match() once per question (as Suricata inspects the
-- dns.query multi-buffer): the second question of query 0x0a01
function init(args)
    return {["dns.rrname"] = tostring(true)}
end

function match(args)
    if args["dns.rrname"] == "second.multi.example" then
        return 1
    end
    return 0
end

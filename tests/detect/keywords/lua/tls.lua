-- kw-lua.rules: the TLS handshake (the tls need): SNI, version, JA3 and the certificate
function init(args)
    return {tls = tostring(true)}
end

function match(args)
    local sni = TlsGetSNI()
    local ver = TlsGetVersion()
    local _, subject, issuer, fp = TlsGetCertInfo()
    local ja3 = Ja3GetHash()
    if sni == "tls.demo.example" and ver ~= nil and ja3 ~= nil and #ja3 == 32 then
        return 1
    end
    return 0
end

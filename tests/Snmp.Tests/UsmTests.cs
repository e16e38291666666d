namespace PretixOps.Snmp.Tests;

/// <summary>Key derivation against RFC 3414 appendix A.3, and the USM message layout and ciphers round-tripped.</summary>
public sealed class UsmTests
{
    private static readonly byte[] RfcEngineId = Convert.FromHexString("000000000000000000000002");

    [Theory]
    [InlineData(AuthProtocol.Md5, "9FAF3283884E92834EBC9847D8EDD963", "526F5EED9FCCE26F8964C2930787D82B")]
    [InlineData(AuthProtocol.Sha1, "9FB5CC0381497B3793528939FF788D5D79145211", "6695FEBC9288E36282235FC7151F128497B38F3F")]
    public void Password_maplesyrup_gives_the_keys_of_RFC_3414_appendix_A3(AuthProtocol protocol, string ku, string kul)
    {
        var master = UsmCrypto.PasswordToKey(protocol, "maplesyrup");
        Assert.Equal(ku, Convert.ToHexString(master));
        Assert.Equal(kul, Convert.ToHexString(UsmCrypto.LocalizeKey(protocol, master, RfcEngineId)));
    }

    [Fact]
    public void Sha256_keys_are_32_octets_and_its_mac_24()
    {
        var master = UsmCrypto.PasswordToKey(AuthProtocol.Sha256, "maplesyrup");
        Assert.Equal(32, master.Length);
        Assert.Equal(32, UsmCrypto.LocalizeKey(AuthProtocol.Sha256, master, RfcEngineId).Length);
        Assert.Equal(24, UsmCrypto.ComputeMac(AuthProtocol.Sha256, master, [1, 2, 3]).Length);
        Assert.Equal(12, UsmCrypto.ComputeMac(AuthProtocol.Sha1, master, [1, 2, 3]).Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(37)]
    public void Aes_cfb_round_trips_any_length_without_padding(int length)
    {
        var key = UsmCrypto.LocalizeKey(AuthProtocol.Sha1, UsmCrypto.PasswordToKey(AuthProtocol.Sha1, "privpass123"), RfcEngineId);
        var plaintext = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        var salt = Convert.FromHexString("0102030405060708");
        var ciphertext = UsmCrypto.EncryptAes(key, 3, 1000, salt, plaintext);
        Assert.Equal(length, ciphertext.Length);
        Assert.NotEqual(plaintext, ciphertext);
        Assert.Equal(plaintext, UsmCrypto.DecryptAes(key, 3, 1000, salt, ciphertext));
        // The engine time is part of the IV: another time decrypts to something else.
        Assert.NotEqual(plaintext, UsmCrypto.DecryptAes(key, 3, 1001, salt, ciphertext));
    }

    [Fact]
    public void Des_cbc_pads_to_whole_blocks_and_round_trips()
    {
        var key = UsmCrypto.LocalizeKey(AuthProtocol.Md5, UsmCrypto.PasswordToKey(AuthProtocol.Md5, "privpass123"), RfcEngineId);
        var plaintext = Enumerable.Range(0, 21).Select(i => (byte)i).ToArray();
        var salt = Convert.FromHexString("0000000300000001");
        var ciphertext = UsmCrypto.EncryptDes(key, salt, plaintext);
        Assert.Equal(24, ciphertext.Length);
        Assert.Equal(plaintext, UsmCrypto.DecryptDes(key, salt, ciphertext)[..21]);
        Assert.Throws<SnmpDecodeException>(() => UsmCrypto.DecryptDes(key, salt, ciphertext.AsSpan(0, 20)));
    }

    [Theory]
    [InlineData(AuthProtocol.Md5)]
    [InlineData(AuthProtocol.Sha1)]
    [InlineData(AuthProtocol.Sha256)]
    public void An_authenticated_message_carries_the_hmac_of_itself_with_zeroed_parameters(AuthProtocol protocol)
    {
        var user = new UsmUser("alice", protocol, "authpass123");
        var keys = user.KeysFor(RfcEngineId);
        var scoped = new ScopedPdu(RfcEngineId, [], Pdu.Request(PduType.GetRequest, 9, [Oid.Parse("1.3.6.1.2.1.1.3.0")])).Encode();
        var bytes = V3Message.Encode(9, 65_507, V3Message.AuthFlag | V3Message.ReportableFlag,
            new UsmParameters(RfcEngineId, 5, 12_345, "alice"u8.ToArray(), [], []), scoped, protocol, keys.AuthKey);

        var message = V3Message.Decode(bytes);
        Assert.Equal(9, message.MessageId);
        Assert.Equal(5, message.Usm.EngineBoots);
        Assert.Equal(12_345, message.Usm.EngineTime);
        Assert.Equal("alice"u8.ToArray(), message.Usm.UserName);
        Assert.Equal(9, message.Plaintext!.Pdu.RequestId);
        var macLength = UsmCrypto.MacLength(protocol);
        Assert.Equal(macLength, message.Usm.AuthParameters.Length);
        Assert.Equal(message.Usm.AuthParameters, bytes.AsSpan(message.AuthOffset, macLength).ToArray());

        var zeroed = bytes.ToArray();
        zeroed.AsSpan(message.AuthOffset, macLength).Clear();
        Assert.Equal(message.Usm.AuthParameters, UsmCrypto.ComputeMac(protocol, keys.AuthKey!, zeroed));
    }

    [Fact]
    public void A_large_v3_message_keeps_its_mac_in_place_when_lengths_take_the_long_form()
    {
        var user = new UsmUser("bob", AuthProtocol.Sha256, "authpass123");
        var keys = user.KeysFor(RfcEngineId);
        var oids = Enumerable.Range(1, 60).Select(i => Oid.Parse($"1.3.6.1.2.1.2.2.1.10.{i}"));
        var scoped = new ScopedPdu(RfcEngineId, [], Pdu.Request(PduType.GetRequest, 1, oids)).Encode();
        var bytes = V3Message.Encode(1, 65_507, V3Message.AuthFlag, new UsmParameters(RfcEngineId, 1, 1, "bob"u8.ToArray(), [], []),
            scoped, AuthProtocol.Sha256, keys.AuthKey);
        var message = V3Message.Decode(bytes);
        var zeroed = bytes.ToArray();
        zeroed.AsSpan(message.AuthOffset, 24).Clear();
        Assert.Equal(message.Usm.AuthParameters, UsmCrypto.ComputeMac(AuthProtocol.Sha256, keys.AuthKey!, zeroed));
        Assert.Equal(60, message.Plaintext!.Pdu.Varbinds.Count);
    }

    [Fact]
    public void Keys_are_localized_per_engine()
    {
        var user = new UsmUser("carol", AuthProtocol.Sha1, "authpass123", PrivProtocol.Aes128, "privpass123");
        var one = user.KeysFor(RfcEngineId);
        var other = user.KeysFor(Convert.FromHexString("80001F8880AABBCCDD"));
        Assert.NotEqual(one.AuthKey, other.AuthKey);
        Assert.NotEqual(one.AuthKey, one.PrivKey);
        Assert.Same(one, user.KeysFor(RfcEngineId));
    }

    [Theory]
    [InlineData(AuthProtocol.None, null, PrivProtocol.Aes128, "privpass123", "privacy needs authentication")]
    [InlineData(AuthProtocol.Sha1, "short", PrivProtocol.None, null, "at least 8")]
    [InlineData(AuthProtocol.Sha1, null, PrivProtocol.None, null, "required")]
    public void Users_that_cannot_work_are_refused(AuthProtocol auth, string? authPassword, PrivProtocol priv, string? privPassword, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => new UsmUser("dave", auth, authPassword, priv, privPassword));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}

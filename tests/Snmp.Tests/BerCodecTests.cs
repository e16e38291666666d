namespace PretixOps.Snmp.Tests;

/// <summary>Encodings from X.690 and RFC 3416, and the edges an agent can put on the wire.</summary>
public sealed class BerCodecTests
{
    public static TheoryData<long, string> Integers => new()
    {
        { 0, "020100" },
        { 127, "02017F" },
        { 128, "02020080" },
        { 256, "02020100" },
        { -1, "0201FF" },
        { -128, "020180" },
        { -129, "0202FF7F" },
        { int.MaxValue, "02047FFFFFFF" },
        { int.MinValue, "020480000000" },
    };

    [Theory]
    [MemberData(nameof(Integers))]
    public void Integers_use_minimal_twos_complement(long value, string hex)
    {
        var writer = new BerWriter();
        writer.WriteInteger(value);
        Assert.Equal(hex, Convert.ToHexString(writer.Written));
        var reader = new BerReader(Convert.FromHexString(hex));
        Assert.Equal(value, reader.ReadValue().AsInt64());
    }

    public static TheoryData<SnmpType, ulong, string> UnsignedNumbers => new()
    {
        { SnmpType.Counter32, 0, "410100" },
        { SnmpType.Counter32, 4_294_967_295, "410500FFFFFFFF" },
        { SnmpType.Gauge32, 128, "42020080" },
        { SnmpType.TimeTicks, 106, "43016A" },
        { SnmpType.Counter64, ulong.MaxValue, "460900FFFFFFFFFFFFFFFF" },
        { SnmpType.Counter64, 1UL << 63, "4609008000000000000000" },
        { SnmpType.Counter64, 1UL << 32, "46050100000000" },
    };

    [Theory]
    [MemberData(nameof(UnsignedNumbers))]
    public void Unsigned_types_keep_the_top_bit_clear_with_a_leading_zero(SnmpType type, ulong value, string hex)
    {
        var writer = new BerWriter();
        writer.WriteUnsigned(value, (byte)type);
        Assert.Equal(hex, Convert.ToHexString(writer.Written));
        var decoded = new BerReader(Convert.FromHexString(hex)).ReadValue();
        Assert.Equal(type, decoded.Type);
        Assert.Equal(value, decoded.AsUInt64());
    }

    [Fact]
    public void A_negative_Counter32_from_a_buggy_agent_reads_as_its_low_32_bits()
    {
        var value = new BerReader(Convert.FromHexString("4104FFFFFFFE")).ReadValue();
        Assert.Equal(4_294_967_294UL, value.AsUInt64());
    }

    public static TheoryData<string, string> Oids => new()
    {
        { "1.3.6.1.2.1.1.3.0", "06082B06010201010300" },
        // X.690 section 8.19.5: {2 999 3}, the first sub-identifier 1079 takes two octets.
        { "2.999.3", "0603883703" },
        { "1.3.6.1.4.1.268435456", "060A2B060104018180808000" },
        { "1.3.6.1.4.1.4294967295", "060A2B06010401" + "8FFFFFFF7F" },
        { "0.39", "060127" },
    };

    [Theory]
    [MemberData(nameof(Oids))]
    public void Oids_pack_the_first_two_arcs_and_use_base_128(string oid, string hex)
    {
        var writer = new BerWriter();
        writer.WriteOid(Oid.Parse(oid));
        Assert.Equal(hex, Convert.ToHexString(writer.Written));
        Assert.Equal(oid, new BerReader(Convert.FromHexString(hex)).ReadOid().ToString());
    }

    [Theory]
    [InlineData(200, "0481C8")]
    [InlineData(300, "0482012C")]
    [InlineData(70_000, "048301" + "1170")]
    public void Long_contents_use_the_long_length_form(int length, string header)
    {
        var writer = new BerWriter(16);
        writer.WriteOctets(new byte[length]);
        Assert.StartsWith(header, Convert.ToHexString(writer.Written[..(header.Length / 2)]), StringComparison.Ordinal);
        Assert.Equal(length, new BerReader(writer.Written).ReadValue().AsOctets().Length);
    }

    [Fact]
    public void A_sequence_that_outgrows_the_short_form_is_moved_once_its_length_is_known()
    {
        var writer = new BerWriter(8);
        var mark = writer.Begin(0x30);
        for (var i = 0; i < 100; i++)
        {
            writer.WriteInteger(i);
        }
        writer.End(mark);
        var reader = new BerReader(writer.Written);
        var sequence = reader.ReadSequence(0x30, "test");
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(i, sequence.ReadInteger("i"));
        }
        Assert.False(sequence.HasMore);
        Assert.False(reader.HasMore);
    }

    [Fact]
    public void Values_agents_send_outside_the_smi_are_kept_rather_than_losing_the_answer()
    {
        // hrStorageSize of a large disk from an agent that ignores Integer32, and an application type we do not know.
        Assert.Equal(4_294_967_296L, new BerReader(Convert.FromHexString("02050100000000")).ReadValue().AsInt64());
        var unknown = new BerReader(Convert.FromHexString("470200FF")).ReadValue();
        Assert.Equal((SnmpType)0x47, unknown.Type);
        Assert.Equal([0x00, 0xFF], unknown.AsOctets().ToArray());
    }

    [Fact]
    public void A_non_minimal_long_form_length_is_accepted_as_BER_allows()
    {
        var value = new BerReader(Convert.FromHexString("0481056869207468")).ReadValue();
        Assert.Equal("hi th", value.AsText());
    }

    [Fact]
    public void The_v2c_get_of_sysDescr_encodes_byte_for_byte()
    {
        // Request-id 1, community "public", GET 1.3.6.1.2.1.1.1.0 with a NULL value: the canonical capture.
        var bytes = CommunityMessage.Encode(SnmpVersion.V2c, "public"u8,
            Pdu.Request(PduType.GetRequest, 1, [Oid.Parse("1.3.6.1.2.1.1.1.0")]));
        Assert.Equal("302602010104067075626C6963A019020101020100020100300E300C06082B060102010101000500", Convert.ToHexString(bytes));

        var (version, community, pdu) = CommunityMessage.Decode(bytes);
        Assert.Equal(SnmpVersion.V2c, version);
        Assert.Equal("public"u8.ToArray(), community);
        Assert.Equal(PduType.GetRequest, pdu.Type);
        Assert.Equal(1, pdu.RequestId);
        Assert.Equal("1.3.6.1.2.1.1.1.0", Assert.Single(pdu.Varbinds).Oid.ToString());
    }

    [Fact]
    public void Every_value_type_survives_a_round_trip_in_a_response()
    {
        Varbind[] bindings =
        [
            new(Oid.Parse("1.3.6.1.2.1.1.1.0"), SnmpValue.OctetString("Linux node-1")),
            new(Oid.Parse("1.3.6.1.2.1.1.2.0"), SnmpValue.ObjectIdentifier(Oid.Parse("1.3.6.1.4.1.8072.3.2.10"))),
            new(Oid.Parse("1.3.6.1.2.1.1.3.0"), SnmpValue.TimeTicks(123_456)),
            new(Oid.Parse("1.3.6.1.2.1.2.2.1.10.1"), SnmpValue.Counter32(uint.MaxValue)),
            new(Oid.Parse("1.3.6.1.2.1.2.2.1.5.1"), SnmpValue.Gauge32(1_000_000_000)),
            new(Oid.Parse("1.3.6.1.2.1.31.1.1.1.6.1"), SnmpValue.Counter64(ulong.MaxValue - 1)),
            new(Oid.Parse("1.3.6.1.2.1.4.20.1.1.10.0.0.1"), SnmpValue.IpAddress(System.Net.IPAddress.Parse("10.0.0.1"))),
            new(Oid.Parse("1.3.6.1.4.1.2021.10.1.6.1"), SnmpValue.Opaque([0x9F, 0x78, 0x04, 0x3F, 0x80, 0, 0])),
            new(Oid.Parse("1.3.6.1.2.1.25.1.1.0"), SnmpValue.Integer(-42)),
            new(Oid.Parse("1.3.6.1.2.1.99.0"), SnmpValue.NoSuchObject),
            new(Oid.Parse("1.3.6.1.2.1.1.9.0"), SnmpValue.NoSuchInstance),
            new(Oid.Parse("1.3.6.1.9.9"), SnmpValue.EndOfMibView),
            new(Oid.Parse("1.3.6.1.2.1.1.4.0"), SnmpValue.Null),
        ];
        var bytes = CommunityMessage.Encode(SnmpVersion.V2c, "public"u8, new Pdu(PduType.Response, 77, 0, 0, bindings));
        var (_, _, pdu) = CommunityMessage.Decode(bytes);
        Assert.Equal(bindings, pdu.Varbinds);
    }

    [Theory]
    [InlineData("3080", "indefinite")]
    [InlineData("3005020101", "past the end")]
    [InlineData("04850100000000", "too long")]
    [InlineData("0609FFFFFFFFFF7F", "past the end")]
    [InlineData("06072B0690FFFFFF7F", "32 bits")]
    [InlineData("06072B818080808001", "32 bits")]
    [InlineData("06032B8001", "leading zero")]
    [InlineData("06022B86", "ends inside")]
    [InlineData("0209010000000000000000", "octets")]
    [InlineData("0101FF", "unknown value type")]
    [InlineData("4008010203", "past the end")]
    [InlineData("400301020F", "4 octets")]
    [InlineData("0501FF", "must be empty")]
    [InlineData("1F0100", "multi-octet tag")]
    public void Invalid_encodings_are_decode_errors_naming_the_problem(string hex, string problem)
    {
        var bytes = Convert.FromHexString(hex);
        var error = Assert.Throws<SnmpDecodeException>(() => new BerReader(bytes).ReadValue());
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.3.0", 0)]
    [InlineData("1.3.6.1.2.1.1.3", "1.3.6.1.2.1.1.3.0", -1)]
    [InlineData("1.3.6.1.2.1.2", "1.3.6.1.2.1.10", -1)]
    [InlineData("1.3.6.1.4294967295", "1.3.6.1.2", 1)]
    public void Oids_order_as_an_agent_walks_them(string left, string right, int sign) =>
        Assert.Equal(sign, Math.Sign(Oid.Parse(left).CompareTo(Oid.Parse(right))));

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("1..3")]
    [InlineData("3.1")]
    [InlineData("1.40")]
    [InlineData("1.3.-6")]
    [InlineData("1.3.4294967296")]
    public void Text_that_is_not_an_oid_is_refused(string text) => Assert.False(Oid.TryParse(text, out _));
}

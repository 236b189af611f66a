// Command pulumi-language-python is the Python language host the tests' CLI starts: the host
// built from sdk/v3@v3.79.0 (host/pulumi-language-python beside this binary, the newest one the
// Go module proxy serves), behind a gRPC proxy that brings its RunPlugin up to this CLI's.
//
// Every call passes through unchanged, frame for frame, statuses included (the CLI relies on
// codes.Unimplemented from Handshake). RunPlugin is the exception. Since the CLI moved the
// plugin's location into RunPluginRequest.info and left the deprecated `program` empty
// (sdk/go/common/resource/plugin/langruntime_plugin.go, langhost.RunPlugin), the v3.79.0 host
// runs `python ""`: the project's own __main__.py. So:
//   - a policy pack (kind "analyzer") is started here, as the current host does it
//     (sdk/python/cmd/pulumi-language-python/main.go, RunPlugin): `python -u -m pulumi.policy
//     <args> <pack dir>` in the pack's directory, with its virtualenv, behind sdk.PolicyProxy so
//     the pack starts with the stack's PULUMI_* settings, all from the pinned sdk/v3 module;
//   - any other plugin goes to the v3.79.0 host with `program` set to the program directory.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

const runPlugin = "/pulumirpc.LanguageRuntime/RunPlugin"

// frame is one message as it travels on the wire; rawCodec moves frames without decoding them.
type frame struct{ payload []byte }

type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return v.(*frame).payload, nil }

func (rawCodec) Unmarshal(data []byte, v any) error {
	v.(*frame).payload = append([]byte(nil), data...)
	return nil
}

// Name is the content-subtype both ends already speak, so the host's server accepts the frames.
func (rawCodec) Name() string { return "proto" }

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	host := exec.Command(filepath.Join(filepath.Dir(self), "host", "pulumi-language-python"), os.Args[1:]...)
	host.Stderr = os.Stderr
	// The CLI ends a plugin by killing it; the host must not outlive its proxy.
	host.SysProcAttr = diesWithParent()
	out, err := host.StdoutPipe()
	if err != nil {
		return err
	}
	if err := host.Start(); err != nil {
		return err
	}
	// A plugin's first line of stdout is its port (sdk/go/common/resource/plugin/plugin.go).
	lines := bufio.NewReader(out)
	first, err := lines.ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading the v3.79.0 host's port: %w", err)
	}
	hostPort, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return fmt.Errorf("the v3.79.0 host printed %q, not a port", first)
	}
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", hostPort),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		return err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	p := &proxy{conn: conn}
	server := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.UnknownServiceHandler(p.handle))
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	go func() { _, _ = io.Copy(os.Stdout, lines) }()
	go func() {
		// Whatever ends the host ends the proxy, with the host's exit code.
		_ = host.Wait()
		server.Stop()
		os.Exit(host.ProcessState.ExitCode())
	}()
	return server.Serve(listener)
}

type proxy struct{ conn *grpc.ClientConn }

func (p *proxy) handle(_ any, in grpc.ServerStream) error {
	method, ok := grpc.MethodFromServerStream(in)
	if !ok {
		return errors.New("no method on the stream")
	}
	if method != runPlugin {
		return p.forward(in, method, nil)
	}
	f := &frame{}
	if err := in.RecvMsg(f); err != nil {
		return err
	}
	req := &pulumirpc.RunPluginRequest{}
	if err := proto.Unmarshal(f.payload, req); err != nil {
		return err
	}
	if req.GetKind() == string(apitype.AnalyzerPlugin) {
		return runPolicyPack(req, &runPluginStream{in})
	}
	//nolint:staticcheck // the deprecated field is the only one the v3.79.0 host reads
	if req.Program == "" && req.GetInfo() != nil {
		req.Program = req.GetInfo().GetProgramDirectory() //nolint:staticcheck
	}
	payload, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	return p.forward(in, method, &frame{payload})
}

// forward relays one call to the host: `first`, if set, replaces the caller's first message.
func (p *proxy) forward(in grpc.ServerStream, method string, first *frame) error {
	ctx, cancel := context.WithCancel(in.Context())
	defer cancel()
	md, _ := metadata.FromIncomingContext(ctx)
	desc := &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}
	out, err := p.conn.NewStream(metadata.NewOutgoingContext(ctx, md.Copy()), desc, method)
	if err != nil {
		return err
	}
	go func() {
		if first != nil {
			if out.SendMsg(first) != nil {
				return
			}
		}
		for {
			f := &frame{}
			if err := in.RecvMsg(f); err != nil {
				_ = out.CloseSend()
				return
			}
			if out.SendMsg(f) != nil {
				return
			}
		}
	}()
	for sent := false; ; sent = true {
		f := &frame{}
		if err := out.RecvMsg(f); err != nil {
			in.SetTrailer(out.Trailer())
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err // the host's status, code and message as they were
		}
		if !sent {
			if header, err := out.Header(); err == nil {
				_ = in.SendHeader(header)
			}
		}
		if err := in.SendMsg(f); err != nil {
			return err
		}
	}
}

// runPluginStream is the typed RunPlugin stream rpcutil's writers need, over the raw one.
type runPluginStream struct{ grpc.ServerStream }

func (s *runPluginStream) Send(m *pulumirpc.RunPluginResponse) error {
	payload, err := proto.Marshal(m)
	if err != nil {
		return err
	}
	return s.SendMsg(&frame{payload})
}

func pythonOptions(info *pulumirpc.ProgramInfo) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	options := info.GetOptions().AsMap()
	if v, ok := options["virtualenv"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("virtualenv option must be a string")
		}
		opts.Virtualenv = s
	}
	if v, ok := options["toolchain"]; ok {
		switch v {
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		case "uv":
			opts.Toolchain = toolchain.Uv
		default:
			return opts, fmt.Errorf("unsupported toolchain option: %v", v)
		}
	}
	return opts, nil
}

func runPolicyPack(req *pulumirpc.RunPluginRequest, server *runPluginStream) error {
	ctx := server.Context()
	dir := req.GetInfo().GetProgramDirectory()
	opts, err := pythonOptions(req.GetInfo())
	if err != nil {
		return err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	// The current host would exec a missing venv's python and report only "no such file";
	// Pulumi's own message says how to create it.
	if err := tc.ValidateVenv(ctx); err != nil {
		return err
	}
	args := append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...)
	cmd, err := tc.Command(ctx, append(args, dir)...)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	// Policy packs run in their own directory, as they always have.
	cmd.Dir = dir
	policy, stdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("could not start policy pack proxy: %w", err)
	}
	config, err := policy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("could not get stack configuration: %w", err)
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	if config != nil {
		set := func(k, v string) {
			if v != "" {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
		}
		set("PULUMI_ORGANIZATION", config.Organization)
		set("PULUMI_PROJECT", config.Project)
		set("PULUMI_STACK", config.Stack)
		set("PULUMI_DRY_RUN", strconv.FormatBool(config.DryRun))
		if config.Config != nil {
			encoded, err := json.Marshal(config.Config)
			if err != nil {
				return fmt.Errorf("could not marshal stack configuration: %w", err)
			}
			set("PULUMI_CONFIG", string(encoded))
		}
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		policy.Abort(err)
		return fmt.Errorf("problem executing plugin program (could not run language executor): %w", err)
	}
	if err := policy.Attach(ctx, cmd); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return server.Send(&pulumirpc.RunPluginResponse{
				Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exit.ExitCode())}, //nolint:gosec
			})
		}
		return fmt.Errorf("could not attach policy pack proxy: %w", err)
	}
	return closer.Close()
}

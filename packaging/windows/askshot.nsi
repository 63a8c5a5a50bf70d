; The Windows installer: per user (no administrator rights), Start menu entry carrying the app
; id, an uninstaller that leaves no files of ours, upgrades without stale files.
;
;   makensis -V2 -WX -DVERSION=x.y.z -DSRC=dist\askshot -DICON=build\icons\askshot.ico \
;            -DOUTFILE=Askshot-x.y.z-setup.exe askshot.nsi
;
; SRC is the PyInstaller onedir (askshot.exe, askshot-cli.exe, _internal\). Autostart is the
; app's own opt-in (Settings, `askshot-cli desktop autostart on`): it writes the HKCU Run value
; "Askshot", which the uninstaller removes with Task Manager's StartupApproved entry. Settings,
; history and cache (%LOCALAPPDATA%\askshot) are the user's: the uninstaller asks before
; removing them, and keeps them when silent. API keys live in Windows Credential Manager and
; are removed with `askshot-cli key delete`, never by an installer.
Unicode true
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "pass -DVERSION=x.y.z (pyproject.toml's version)"
!endif
!ifndef SRC
  !error "pass -DSRC=path\to\the\onedir"
!endif
!ifndef ICON
  !error "pass -DICON=path\to\askshot.ico (python packaging/icons.py OUT_DIR writes it)"
!endif
!ifndef OUTFILE
  !define OUTFILE "Askshot-${VERSION}-setup.exe"
!endif

!define APP_ID "io.github.askshot.Askshot"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define APPROVED_KEY "Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
; PropertyKey System.AppUserModel.ID and the COM interfaces that set it on a shortcut.
!define CLSID_ShellLink "{00021401-0000-0000-C000-000000000046}"
!define IID_IShellLinkW "{000214F9-0000-0000-C000-000000000046}"
!define IID_IPersistFile "{0000010b-0000-0000-C000-000000000046}"
!define IID_IPropertyStore "{886D8EEB-8CF2-4446-8D02-CDBA1DBDCF99}"
!define FMTID_AppUserModel "{9F4C2855-9F79-4B39-A8D0-E1D42DE1D5F3}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

Name "Askshot"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\Askshot"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "Askshot ${VERSION}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=1033 "ProductName" "Askshot"
VIAddVersionKey /LANG=1033 "FileDescription" "Askshot installer"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "Askshot developers, MIT License"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_FINISHPAGE_RUN "$INSTDIR\askshot.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start Askshot (Win+Shift+A captures from anywhere)"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; Give a shortcut the AppUserModelID the program claims at start (askshot.platform.desktop
; claim_app_id_windows), so the taskbar groups the running window with the pinned entry.
; Stack: lnk path. Uses the shell's own COM objects through the System plug-in.
Function SetShortcutAppId
  Exch $0 ; the .lnk
  Push $1
  Push $2
  Push $3
  Push $4
  Push $5
  System::Call 'ole32::CoCreateInstance(g "${CLSID_ShellLink}", p 0, i 1, g "${IID_IShellLinkW}", *p .r1) i .r2'
  ${If} $2 = 0
    System::Call '$1->0(g "${IID_IPersistFile}", *p .r3) i .r2'      ; QueryInterface
    ${If} $2 = 0
      System::Call '$3->5(w r0, i 2) i .r2'                         ; Load(path, STGM_READWRITE)
      ${If} $2 = 0
        System::Call '$1->0(g "${IID_IPropertyStore}", *p .r4) i .r2'
        ${If} $2 = 0
          ; PROPERTYKEY {fmtid, pid 5}; PROPVARIANT {VT_LPWSTR = 31, reserved, pointer}
          System::Call '*(g "${FMTID_AppUserModel}", i 5) p .r5'
          System::Call '*(&w128 "${APP_ID}") p .r2'
          System::Call '*(&i2 31, &i2 0, &i2 0, &i2 0, p r2, p 0) p .r0'
          System::Call '$4->6(p r5, p r0) i'                          ; SetValue
          System::Call '$4->7() i'                                    ; Commit
          System::Call '$3->6(p 0, i 1) i'                            ; Save(NULL, TRUE)
          System::Free $0
          System::Free $2
          System::Free $5
          System::Call '$4->2()'                                      ; Release
        ${EndIf}
      ${EndIf}
      System::Call '$3->2()'
    ${EndIf}
    System::Call '$1->2()'
  ${EndIf}
  Pop $5
  Pop $4
  Pop $3
  Pop $2
  Pop $1
  Pop $0
FunctionEnd

; A running Askshot (often only a tray icon, with no window to find) holds its program files
; open, and Windows refuses to open a running .exe for writing: that is the test (opening in
; append mode changes nothing). Silent, it gives up (exit code 2) rather than install or remove
; half a program.
!macro InUse FILE
  ${If} ${FileExists} "${FILE}"
    ClearErrors
    FileOpen $0 "${FILE}" a
    ${If} ${Errors}
      StrCpy $1 "in use"
    ${Else}
      FileClose $0
    ${EndIf}
  ${EndIf}
!macroend
!macro CloseRunning
  close_running:
  StrCpy $1 ""
  !insertmacro InUse "$INSTDIR\askshot.exe"
  !insertmacro InUse "$INSTDIR\askshot-cli.exe"
  ${If} $1 != ""
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "Askshot is running. Choose Quit Askshot in its tray icon's menu, then Retry." /SD IDCANCEL IDRETRY close_running
    Abort
  ${EndIf}
!macroend

Section "Askshot" Main
  !insertmacro CloseRunning
  SetOutPath "$INSTDIR"
  ; An upgrade replaces the whole program: nothing of an older version stays behind.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\askshot.exe"
  Delete "$INSTDIR\askshot-cli.exe"
  File "${SRC}\askshot.exe"
  File "${SRC}\askshot-cli.exe"
  File /r "${SRC}\_internal"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\Askshot.lnk" "$INSTDIR\askshot.exe" "" "$INSTDIR\askshot.exe" 0
  Push "$SMPROGRAMS\Askshot.lnk"
  Call SetShortcutAppId

  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "Askshot"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "Askshot developers"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\askshot.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "URLInfoAbout" "https://github.com/askshot/askshot"
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  !insertmacro CloseRunning
  Delete "$SMPROGRAMS\Askshot.lnk"
  DeleteRegValue HKCU "${RUN_KEY}" "Askshot"
  DeleteRegValue HKCU "${APPROVED_KEY}" "Askshot"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\askshot.exe"
  Delete "$INSTDIR\askshot-cli.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  ; The user's own data: asked, kept by default and when silent.
  ${If} ${FileExists} "$LOCALAPPDATA\askshot\*.*"
    MessageBox MB_YESNO|MB_DEFBUTTON2|MB_ICONQUESTION "Also delete your Askshot settings and conversation history?" /SD IDNO IDNO keep
    RMDir /r "$LOCALAPPDATA\askshot"
    keep:
  ${EndIf}
SectionEnd
